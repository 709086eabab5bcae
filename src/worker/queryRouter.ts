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
  QueryArgs,
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
  /** The finished index as saved-index bytes (see QueryMap.indexBytes). */
  indexBytes(): Promise<Uint8Array>;
  now(): number;
}

/** Who answers a query of kind K; it may answer at once or later. */
type Route<K extends QueryKind> = (
  router: QueryRouter,
  args: QueryArgs<K>,
) => QueryResult<K> | Promise<QueryResult<K>>;

export class QueryRouter {
  /** Every kind of query and its answer: a kind the protocol gains without a route here does not compile. */
  private static readonly routes: { [K in QueryKind]: Route<K> } = {
    children: (r, a) => r.children(a),
    rows: (r, a) => r.rows(a),
    locate: (r, a) => r.locate(a),
    details: (r, a) => r.details(a),
    imageStats: (r, a) => r.model.stats(a.image),
    verify: (r) => r.model.verify(),
    indexBytes: async (r) => ({ bytes: await r.model.indexBytes() }),
    packageSummary: (r, a) => r.packages().summary(a),
    packageRows: (r, a) => r.packages().rows(a),
    packageDetail: (r, a) => r.packages().detail(a),
    fileOwners: (r, a) => r.packages().owners(a),
    riskyFiles: (r, a) => r.packages().riskyFiles(a),
    secretsStart: (r, a) => r.secrets().start(a),
    secretsNext: (r, a) => r.secrets().next(a),
    secretsCancel: (r, a) => r.secrets().cancel(a),
    secretReveal: (r, a) => r.secrets().reveal(a),
    content: (r, a) => r.inside().content(a),
    textPage: (r, a) => r.inside().textPage(a),
    hexPage: (r, a) => r.inside().hexPage(a),
    textDiff: (r, a) => r.inside().textDiff(a),
    fileBytes: (r, a) => r.inside().fileBytes(a),
    searchStart: (r, a) => r.inside().searchStart(a),
    searchNext: (r, a) => r.inside().searchNext(a),
    searchCancel: (r, a) => r.inside().searchCancel(a),
    sizeMap: (r, a) => r.inside().sizeMap(a),
    exportStart: (r, a) => r.inside().exportStart(a),
    exportNext: (r, a) => r.inside().exportNext(a),
    exportCancel: (r, a) => r.inside().exportCancel(a),
  };

  /** Contents, searches, size maps and exports; packages; secret scans: each made on first use. */
  private insideService: Inside | null = null;
  private packagesService: PackagesService | null = null;
  private secretScans: SecretScans | null = null;

  constructor(private readonly model: SessionModel) {}

  /** A service's failure, even one thrown at once, comes back as the answer's rejection. */
  run(query: Query): Promise<QueryResult<QueryKind>> {
    const { kind } = query;
    if (!Object.hasOwn(QueryRouter.routes, kind))
      return Promise.reject(new Error(`unknown query ${JSON.stringify(kind)}`));
    const route = QueryRouter.routes[kind] as Route<QueryKind>;
    return Promise.resolve().then(() => route(this, query.args));
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

  private inside(): Inside {
    this.insideService ??= new Inside(this.openArchive(), this.readyFs);
    return this.insideService;
  }

  private packages(): PackagesService {
    this.packagesService ??= new PackagesService(this.openArchive(), this.readyFs, () => this.model.now());
    return this.packagesService;
  }

  private secrets(): SecretScans {
    this.secretScans ??= new SecretScans(this.openArchive(), this.readyFs, () => this.model.now());
    return this.secretScans;
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
