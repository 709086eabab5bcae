/**
 * A modal dialog with the page's one header: its title (which names the dialog) and a Close
 * button. The state comes from useModalDialog, so the opener stays with the caller.
 */
import type { ReactNode } from 'react';
import type { useModalDialog } from './useModalDialog';

export function ModalDialog({
  dialog,
  title,
  titleId,
  className,
  children,
}: {
  dialog: ReturnType<typeof useModalDialog>;
  title: string;
  /** The heading's id, which labels the dialog: unique on the page. */
  titleId: string;
  className: string;
  children: ReactNode;
}) {
  return (
    <dialog ref={dialog.dialogRef} className={className} aria-labelledby={titleId} onClose={dialog.onClose}>
      <header className="shortcuts-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-btn" aria-label="Close" onClick={() => dialog.setOpen(false)}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}
