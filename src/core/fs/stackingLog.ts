import { GrowableFloat64, GrowableInt32, GrowableUint8 } from './growable';
import { packRef } from './stackedModel';

/**
 * What stacking records, row by row in the order it happens, before the rows are packed into
 * the per-node and per-layer arrays the read model queries (see packing.ts). Columns rather than
 * row objects: images of 100k+ paths record several rows per path.
 */
export class StackingLog {
  /** Events: a layer wrote or removed a node; they answer the merged view at any layer. */
  readonly eventNode: GrowableInt32;
  readonly eventLayer: GrowableInt32;
  readonly eventEntry: GrowableInt32;
  readonly eventChange: GrowableUint8;
  /** NOTE_* of changeRule.ts: removals that went with a directory above them. */
  readonly eventNote: GrowableUint8;

  /** Records: a directory's subtree size and child count after a layer that changed them. */
  readonly recordNode = new GrowableInt32();
  readonly recordLayer = new GrowableInt32();
  readonly recordSize = new GrowableFloat64();
  readonly recordCount = new GrowableInt32();

  /** Items: what each layer's own view lists; layer n's are [itemStart[n], itemStart[n + 1]). */
  readonly itemNode: GrowableInt32;
  readonly itemChange: GrowableUint8;
  readonly itemLayer: GrowableInt32;
  readonly itemEntry: GrowableInt32;
  /** NOTE_* of changeRule.ts, per item. */
  readonly itemNote: GrowableUint8;
  readonly itemStart: number[] = [];

  /** Pending: an event and item whose change only the contents can decide, and the two versions. */
  readonly pendingEvent = new GrowableInt32();
  readonly pendingItem = new GrowableInt32();
  readonly pendingLower = new GrowableFloat64();
  readonly pendingUpper = new GrowableFloat64();

  /**
   * `expectedRows`: about how many events and items stacking will log (one of each per path for
   * a single layer). Sized to it, the columns do not double their way up, which left a dead copy
   * of each behind for the collector: tens of MB at the peak of a 1,000,000-entry layer.
   */
  constructor(expectedRows = 1024) {
    this.eventNode = new GrowableInt32(expectedRows);
    this.eventLayer = new GrowableInt32(expectedRows);
    this.eventEntry = new GrowableInt32(expectedRows);
    this.eventChange = new GrowableUint8(expectedRows);
    this.eventNote = new GrowableUint8(expectedRows);
    this.itemNode = new GrowableInt32(expectedRows);
    this.itemChange = new GrowableUint8(expectedRows);
    this.itemLayer = new GrowableInt32(expectedRows);
    this.itemEntry = new GrowableInt32(expectedRows);
    this.itemNote = new GrowableUint8(expectedRows);
  }

  /** Before a layer's first item. */
  beginLayerItems(): void {
    this.itemStart.push(this.itemNode.length);
  }

  /** After the last layer: closes the last item range. */
  endItems(): void {
    this.itemStart.push(this.itemNode.length);
  }

  pushEvent(node: number, layer: number, entry: number, change: number, note = 0): number {
    this.eventNote.push(note);
    this.eventNode.push(node);
    this.eventLayer.push(layer);
    this.eventEntry.push(entry);
    return this.eventChange.push(change);
  }

  pushItem(node: number, change: number, layer: number, entry: number, note = 0): number {
    this.itemNote.push(note);
    this.itemNode.push(node);
    this.itemLayer.push(layer);
    this.itemEntry.push(entry);
    return this.itemChange.push(change);
  }

  pushRecord(node: number, layer: number, subtreeSize: number, childCount: number): void {
    this.recordNode.push(node);
    this.recordLayer.push(layer);
    this.recordSize.push(subtreeSize);
    this.recordCount.push(childCount);
  }

  pushPending(
    event: number,
    item: number,
    lowerLayer: number,
    lowerEntry: number,
    layer: number,
    entry: number,
  ): void {
    this.pendingEvent.push(event);
    this.pendingItem.push(item);
    this.pendingLower.push(packRef(lowerLayer, lowerEntry));
    this.pendingUpper.push(packRef(layer, entry));
  }

  /** Once every layer view is built (packing.ts): the items are not read again. */
  releaseItems(): void {
    for (const column of [this.itemNode, this.itemChange, this.itemLayer, this.itemEntry, this.itemNote])
      column.release();
  }

  /** Once the content comparisons are settled. */
  releasePending(): void {
    for (const column of [this.pendingEvent, this.pendingItem, this.pendingLower, this.pendingUpper])
      column.release();
  }

  /** Once the events are packed per node. */
  releaseEvents(): void {
    for (const column of [this.eventNode, this.eventLayer, this.eventEntry, this.eventChange, this.eventNote])
      column.release();
  }

  /** Once the directory records are packed per node. */
  releaseRecords(): void {
    for (const column of [this.recordNode, this.recordLayer, this.recordSize, this.recordCount])
      column.release();
  }

  /** Decides a pending comparison in both the event and the item that carry it. */
  settlePending(pending: number, change: number): void {
    this.eventChange.set(this.pendingEvent.get(pending), change);
    this.itemChange.set(this.pendingItem.get(pending), change);
  }
}
