/**
 * The Saved indexes dialog: "Remember indexes on this device", the space the saved indexes take,
 * and Forget for one archive or all. Opened from the status bar or the welcome card.
 */
import { useCallback, useEffect, useState } from 'react';
import { useExplorer } from '../store';
import {
  forgetSavedIndexes,
  listSavedIndexes,
  rememberIndexes,
  setRememberIndexes,
} from '../store/savedIndexes';
import type { StoredIndex } from '../worker/protocol';
import { formatBytes, formatCount, visible } from './format';
import { ModalDialog } from './ModalDialog';
import { useModalDialog } from './useModalDialog';

function useSavedIndexes(open: boolean) {
  const [stored, setStored] = useState<StoredIndex[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback((work: Promise<StoredIndex[]>) => {
    work.then(
      (list) => {
        setStored(list);
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  useEffect(() => {
    if (open) run(listSavedIndexes());
  }, [open, run]);
  return { stored, error, forget: (key: string | null) => run(forgetSavedIndexes(key)) };
}

function savedOn(ms: number): string {
  return ms > 0
    ? new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : 'unknown';
}

export function SavedIndexes({ variant }: { variant: 'status' | 'welcome' }) {
  const dialog = useModalDialog();
  const { open, setOpen } = dialog;
  const [remember, setRemember] = useState(rememberIndexes);
  const current = useExplorer((s) => s.session.savedIndexKey);
  const fromSaved = useExplorer((s) => s.session.fromSavedIndex);
  const { stored, error, forget } = useSavedIndexes(open);

  const total = stored?.reduce((n, s) => n + s.bytes, 0) ?? 0;
  return (
    <>
      <button
        type="button"
        className={variant === 'status' ? 'btn small ghost saved-indexes-btn' : 'link-btn'}
        onClick={() => setOpen(true)}
        title="Indexes kept on this device, so re-opening an archive is instant"
      >
        {variant === 'status' ? (
          <>
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <ellipse cx="8" cy="3.5" rx="5.5" ry="2" fill="none" />
              <path
                d="M2.5 3.5v9c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2v-9M2.5 8c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2"
                fill="none"
              />
            </svg>
            <span className="btn-text">{fromSaved ? 'From saved index' : 'Saved indexes'}</span>
          </>
        ) : (
          'Saved indexes on this device'
        )}
      </button>
      <ModalDialog
        dialog={dialog}
        className="shortcuts-dialog saved-dialog"
        title="Saved indexes"
        titleId="saved-title"
      >
        <div className="saved-body">
          <label className="saved-remember">
            <input
              type="checkbox"
              checked={remember}
              onChange={(e) => {
                setRemember(e.target.checked);
                setRememberIndexes(e.target.checked);
              }}
            />
            Remember indexes on this device
          </label>
          <p className="muted small">
            When an archive has been read once, its index (file names and metadata such as sizes, modes and
            owners, never file contents) is kept in this browser's private storage for this site. Opening the
            same file again then shows everything at once; contents are still read from the file. Nothing
            leaves this device.
          </p>
          {error && (
            <p className="error small" role="alert">
              {visible(error)}
            </p>
          )}
          <p data-testid="saved-total">
            {stored === null
              ? 'Looking…'
              : stored.length === 0
                ? 'No index is kept on this device.'
                : `${stored.length} ${stored.length === 1 ? 'archive' : 'archives'} · ${formatBytes(total)} on this device`}
          </p>
          {stored && stored.length > 0 && (
            <>
              <ul className="saved-list" aria-label="Saved indexes">
                {stored.map((s) => (
                  <li key={s.key}>
                    <span className="saved-name break">
                      {visible(s.archiveName)}
                      {s.key === current && <span className="badge">open now</span>}
                    </span>
                    <span className="muted small">
                      {formatBytes(s.archiveSize)} · {formatCount(s.entries)} entries · saved{' '}
                      {savedOn(s.savedAt)} · {formatBytes(s.bytes)}
                    </span>
                    <button
                      type="button"
                      className="btn small"
                      aria-label={`Forget ${s.archiveName}`}
                      onClick={() => forget(s.key)}
                    >
                      Forget
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" className="btn small" onClick={() => forget(null)}>
                Forget all
              </button>
            </>
          )}
        </div>
      </ModalDialog>
    </>
  );
}
