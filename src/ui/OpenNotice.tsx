/**
 * What the page says about opening an archive apart from the archive shown: another one being
 * opened (the shown one stays until it is known to be an archive), a file that did not open (the
 * shown one is still there), and, after a reload, which archive to open again to continue.
 */
import { useExplorer } from '../store';
import { linkedArchive } from '../store/hash';
import { cancelIncoming, dismissOpenError } from '../store/opening';
import { AlertIcon } from './AlertIcon';
import { formatBytes, formatCount, visible } from './format';

export function OpenNotice() {
  const incoming = useExplorer((s) => s.incoming);
  const error = useExplorer((s) => s.openError);
  return (
    <>
      {incoming && (
        // not a second role=status: the status bar is the page's one status
        <div className="open-notice" aria-live="polite" data-testid="opening-another">
          <span className="spinner" aria-hidden="true" />
          <span>
            Opening {visible(incoming.name)}
            {incoming.progress ? ` · ${formatCount(incoming.progress.entries)} entries` : '…'} (the archive
            shown stays until its images are known)
          </span>
          <button type="button" className="btn small ghost" onClick={cancelIncoming}>
            Stop opening
          </button>
        </div>
      )}
      {error && (
        <div className="alert open-error" role="alert">
          <AlertIcon />
          <div className="alert-body">
            <strong>
              Could not open {visible(error.name)}
              {error.kept ? ` — ${visible(error.kept)} is still open` : ''}
            </strong>
            <ul>
              <li className="break">{visible(error.message)}</li>
            </ul>
          </div>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={dismissOpenError}>
            ×
          </button>
        </div>
      )}
    </>
  );
}

/** On the welcome page after a reload: the archive the address was made for. */
export function ResumeHint() {
  // primitives: a selector that made a new object each time would render without end
  const name = useExplorer((s) => (s.archive ? null : (linkedArchive(s.pendingLink ?? {})?.name ?? null)));
  const size = useExplorer((s) => (s.archive ? null : (linkedArchive(s.pendingLink ?? {})?.size ?? null)));
  if (!name) return null;
  return (
    <p className="resume-hint" data-testid="resume-hint">
      Open <strong className="break">{visible(name)}</strong>
      {size !== null ? ` (${formatBytes(size)})` : ''} again to continue where you were.
    </p>
  );
}
