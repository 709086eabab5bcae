/**
 * Answers a session's queries: the file tree's pages and details come from the session's file
 * systems, the rest goes to the services that look inside files (made on first use, one per session).
 */
import type { ImageArchive } from '../core/image/model';
import { type FileViews, toRow } from './fileView';
import type { FileSystemView } from './fsApi';
import { Inside } from './inside';
import { PackagesService } from './packagesService';
import type {
  FileDetails,
  ImageStats,
  Query,
  QueryKind,
  QueryMap,
  QueryResult,
  RowsPage,
  TimelineStep,
  VerifyResult,
} from './protocol';
import { SecretScans } from './secrets';

/** What the engine's session lends the router: its model so far and the work the engine keeps. */
export interface SessionModel {
  /** Null until the archive's images are known. */
  readonly archive: ImageArchive | null;
  /** Images whose layers are all indexed (or as far as reading got). */
  readonly ready: ReadonlySet<number>;
  /** The image's file system, built once and kept while the engine has room. */
  fsFor(image: number): Promise<FileSystemView>;
  viewsFor(image: number): FileViews;
  stats(image: number): Promise<ImageStats>;
  verify(): Promise<VerifyResult>;
  now(): number;
}

export class QueryRouter {
  private inside: Inside | null = null;
  private packages: PackagesService | null = null;
  private secrets: SecretScans | null = null;

  constructor(private readonly model: SessionModel) {}

  run(query: Query): Promise<QueryResult<QueryKind>> {
    switch (query.kind) {
      case 'children':
        return this.children(query.args);
      case 'rows':
        return this.rows(query.args);
      case 'locate':
        return this.locate(query.args);
      case 'details':
        return this.details(query.args);
      case 'imageStats':
        return this.model.stats(query.args.image);
      case 'verify':
        return this.model.verify();
      case 'packageSummary':
      case 'packageRows':
      case 'packageDetail':
      case 'fileOwners':
      case 'riskyFiles':
        return this.packageQuery(query);
      case 'secretsStart':
      case 'secretsNext':
      case 'secretsCancel':
      case 'secretReveal':
        return this.secretsQuery(query);
      default:
        return this.lookInside(query);
    }
  }

  /** The open archive, for a service made on first use; refused before the images are known. */
  private openArchive(): ImageArchive {
    const archive = this.model.archive;
    if (!archive) throw new Error('no archive is open');
    return archive;
  }

  /** An image's file system for the services that look inside files: refused while it is being read. */
  private readonly readyFs = (image: number): Promise<FileSystemView> => {
    if (!this.model.ready.has(image)) return Promise.reject(new Error('the image is still being read'));
    return this.model.fsFor(image);
  };

  private async packageQuery(query: Query): Promise<QueryResult<QueryKind>> {
    this.packages ??= new PackagesService(this.openArchive(), this.readyFs, () => this.model.now());
    const service = this.packages;
    switch (query.kind) {
      case 'packageSummary':
        return service.summary(query.args);
      case 'packageRows':
        return service.rows(query.args);
      case 'packageDetail':
        return service.detail(query.args);
      case 'fileOwners':
        return service.owners(query.args);
      case 'riskyFiles':
        return service.riskyFiles(query.args);
      default:
        throw new Error(`not a packages query: ${query.kind}`);
    }
  }

  private async lookInside(query: Query): Promise<QueryResult<QueryKind>> {
    this.inside ??= new Inside(this.openArchive(), this.readyFs);
    const inside = this.inside;
    switch (query.kind) {
      case 'content':
        return inside.content(query.args);
      case 'textPage':
        return inside.textPage(query.args);
      case 'hexPage':
        return inside.hexPage(query.args);
      case 'textDiff':
        return inside.textDiff(query.args);
      case 'fileBytes':
        return inside.fileBytes(query.args);
      case 'searchStart':
        return inside.searchStart(query.args);
      case 'searchNext':
        return inside.searchNext(query.args);
      case 'searchCancel':
        return inside.searchCancel(query.args);
      case 'sizeMap':
        return inside.sizeMap(query.args);
      case 'exportStart':
        return inside.exportStart(query.args);
      case 'exportNext':
        return inside.exportNext(query.args);
      case 'exportCancel':
        return inside.exportCancel(query.args);
      default:
        throw new Error(`unknown query ${JSON.stringify((query as { kind: unknown }).kind)}`);
    }
  }

  private async secretsQuery(query: Query): Promise<QueryResult<QueryKind>> {
    this.secrets ??= new SecretScans(this.openArchive(), this.readyFs, () => this.model.now());
    const scans = this.secrets;
    switch (query.kind) {
      case 'secretsStart':
        return scans.start(query.args);
      case 'secretsNext':
        return scans.next(query.args);
      case 'secretsCancel':
        return scans.cancel(query.args);
      case 'secretReveal':
        return scans.reveal(query.args);
      default:
        throw new Error(`not a secrets query: ${query.kind}`);
    }
  }

  private async children(a: QueryMap['children']['args']): Promise<QueryMap['children']['result']> {
    if (!this.model.ready.has(a.image)) return { total: 0, items: [] };
    const fs = await this.model.fsFor(a.image);
    const { total, items } = fs.children(a.layer, a.mode, a.path, a.offset, a.limit);
    return { total, items: items.map((n) => toRow(n, 0, false)) };
  }

  private async rows(a: QueryMap['rows']['args']): Promise<RowsPage> {
    const { view } = a;
    if (!this.model.ready.has(view.image)) {
      return { total: 0, offset: a.offset, rows: [], matches: null, filterError: null, ready: false };
    }
    const fs = await this.model.fsFor(view.image);
    const { ctx, flat } = this.model.viewsFor(view.image).rows(fs, view);
    return {
      total: flat.total,
      offset: a.offset,
      rows: flat.slice(a.offset, Math.min(a.limit, 2000)),
      matches: ctx.matches,
      filterError: ctx.filterError,
      ready: true,
    };
  }

  private async locate(a: QueryMap['locate']['args']): Promise<QueryMap['locate']['result']> {
    if (!this.model.ready.has(a.view.image)) return { index: -1, total: 0 };
    const fs = await this.model.fsFor(a.view.image);
    const { flat } = this.model.viewsFor(a.view.image).rows(fs, a.view);
    return { index: flat.locate(a.path), total: flat.total };
  }

  private async details(a: QueryMap['details']['args']): Promise<FileDetails | null> {
    if (!this.model.ready.has(a.image)) return null;
    const fs = await this.model.fsFor(a.image);
    const inChanges = fs.node(a.layer, 'changes', a.path) !== null;
    const inMerged = fs.node(a.layer, 'merged', a.path) !== null;
    const node = fs.node(a.layer, a.mode, a.path) ?? fs.node(a.layer, 'merged', a.path);
    const layers = this.model.archive?.images[a.image]?.layers ?? [];
    const timeline: TimelineStep[] = fs.timeline(a.path).map((t) => {
      const at = t.change === 'removed' ? null : fs.node(t.layer, 'changes', a.path);
      return {
        layer: t.layer,
        change: t.change,
        ...(t.note ? { note: t.note } : {}),
        command: layers[t.layer]?.createdBy ?? layers[t.layer]?.comment ?? null,
        node: at ? toRow(at, 0, false) : null,
      };
    });
    if (!node && timeline.length === 0) return null;
    return {
      node: node ? toRow(node, 0, false) : null,
      inChanges,
      inMerged,
      timeline,
      owner: node ? this.ownerNames(a, fs) : null,
    };
  }

  /** The owner's names as the tar entry recorded them (`root`, `www-data`), when it recorded any. */
  private ownerNames(
    a: QueryMap['details']['args'],
    fs: FileSystemView,
  ): { uname: string; gname: string } | null {
    const archive = this.model.archive;
    const ref = fs.entryOf(a.layer, a.mode, a.path) ?? fs.entryOf(a.layer, 'merged', a.path);
    const layer = ref ? archive?.images[a.image]?.layers[ref.layer] : undefined;
    const table = layer ? archive?.blobs.get(layer.blob)?.entries : null;
    if (!ref || !table) return null;
    const [uname, gname] = table.ownerNames(ref.entryIndex);
    return uname || gname ? { uname, gname } : null;
  }
}
