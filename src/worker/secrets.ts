/**
 * Secret scans in the worker, pulled by the page a time slice at a time (like searches): each
 * `next` scans for about `budgetMs` and answers with the progress and the findings made since
 * the last answer, so the page shows them as they come and Cancel stops the scan between two
 * files. Findings cross the boundary without their secret; `reveal` sends one secret, on request.
 */
import { ImageFileSystem } from '../core/fs';
import type { ImageArchive } from '../core/image/model';
import { type SecretReport, type SecretScanProgress, scanImageSecrets } from '../core/secrets';
import type { FileSystemView } from './fsApi';
import type { QueryMap, SecretFindingView } from './protocol';

/** Scans kept (for Reveal after they end); the oldest is dropped past it. */
const MAX_SCANS = 4;
/** Findings one answer carries at most; the rest come with the next. */
const MAX_FINDINGS_PER_PAGE = 500;

interface Scan {
  image: number;
  run: AsyncGenerator<SecretScanProgress, SecretReport>;
  controller: AbortController;
  progress: SecretScanProgress | null;
  report: SecretReport | null;
  /** Findings already sent to the page. */
  sent: number;
  /** The report's findings array while it grows (the generator fills it). */
  findings: () => SecretReport['findings'];
}

export class SecretScans {
  private readonly scans = new Map<number, Scan>();
  private nextId = 1;

  constructor(
    private readonly archive: ImageArchive,
    private readonly fsFor: (image: number) => Promise<FileSystemView>,
    private readonly now: () => number,
  ) {}

  async start(a: QueryMap['secretsStart']['args']): Promise<QueryMap['secretsStart']['result']> {
    const fs = await this.fsFor(a.image);
    if (!(fs instanceof ImageFileSystem)) throw new Error('secrets cannot be scanned in this file system');
    const controller = new AbortController();
    const findings: SecretReport['findings'] = [];
    const run = scanImageSecrets(this.archive, a.image, fs, { signal: controller.signal, sink: findings });
    const id = this.nextId++;
    this.scans.set(id, {
      image: a.image,
      run,
      controller,
      progress: null,
      report: null,
      sent: 0,
      findings: () => findings,
    });
    while (this.scans.size > MAX_SCANS) {
      const [oldest, scan] = this.scans.entries().next().value as [number, Scan];
      this.stop(scan);
      this.scans.delete(oldest);
    }
    return { id };
  }

  async next(a: QueryMap['secretsNext']['args']): Promise<QueryMap['secretsNext']['result']> {
    const scan = this.scans.get(a.id);
    if (!scan) throw new Error('the secret scan was cancelled');
    const until = this.now() + Math.max(10, Math.min(a.budgetMs, 1000));
    while (!scan.report && this.now() < until) {
      const step = await scan.run.next();
      if (step.done) scan.report = step.value;
      else scan.progress = step.value;
    }
    const all = scan.findings();
    const from = scan.sent;
    const to = Math.min(all.length, from + MAX_FINDINGS_PER_PAGE);
    scan.sent = to;
    const findings: SecretFindingView[] = all.slice(from, to).map(({ secret: _secret, ...shown }, i) => ({
      ...shown,
      index: from + i,
    }));
    const report = scan.report;
    return {
      progress: scan.progress,
      findings,
      done: report !== null && to === all.length,
      summary: report
        ? {
            scanned: report.scanned,
            skippedBinary: report.skippedBinary,
            skippedLarge: report.skippedLarge,
            skippedUnreadable: report.skippedUnreadable,
            maxFileBytes: report.maxFileBytes,
            findingsDropped: report.findingsDropped,
            warnings: report.warnings,
            cancelled: report.cancelled,
          }
        : null,
    };
  }

  cancel(a: QueryMap['secretsCancel']['args']): QueryMap['secretsCancel']['result'] {
    const scan = this.scans.get(a.id);
    if (scan) this.stop(scan);
    this.scans.delete(a.id);
    return {};
  }

  /** Aborts, and lets the scan see it: it returns at once and closes its layer reader. */
  private stop(scan: Scan): void {
    scan.controller.abort();
    if (!scan.report) void scan.run.next().catch(() => undefined);
  }

  reveal(a: QueryMap['secretReveal']['args']): QueryMap['secretReveal']['result'] {
    const finding = this.scans.get(a.id)?.findings()[a.index];
    if (!finding) throw new Error('that finding is no longer kept: scan again to reveal it');
    return { secret: finding.secret };
  }
}
