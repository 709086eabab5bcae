import { useEffect, useRef, useState } from 'react';

/**
 * A native modal `<dialog>` driven by state: `open` shows it with showModal() (so Escape and the
 * backdrop work as the platform makes them), and closing gives focus back to where it was when the
 * dialog opened, as a keyboard user expects.
 */
export function useModalDialog() {
  const [open, setOpen] = useState(false);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);

  /** For the dialog's `onClose`: Escape, a form's close, or `setOpen(false)` all end here. */
  const onClose = () => {
    setOpen(false);
    const back = returnTo.current;
    returnTo.current = null;
    if (back?.isConnected) back.focus();
  };

  return { open, setOpen, dialogRef, onClose };
}
