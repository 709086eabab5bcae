/**
 * The page-wide keys, and the Keyboard shortcuts dialog that `?` (or the button) opens: a modal
 * dialog listing every key, which Escape closes, giving focus back to where it was.
 */
import { Fragment, useCallback } from 'react';
import { SHORTCUTS, type Shortcut, useGlobalKeys } from './keyboard';
import { ModalDialog } from './ModalDialog';
import { useModalDialog } from './useModalDialog';

function Keys({ keys }: { keys: string[] }) {
  return (
    <span className="kbd-combo">
      {keys.map((k, i) => (
        <Fragment key={k}>
          {i > 0 && <span aria-hidden="true">+</span>}
          <kbd>{k}</kbd>
        </Fragment>
      ))}
    </span>
  );
}

function Row({ shortcut }: { shortcut: Shortcut }) {
  return (
    <tr>
      <th scope="row">
        <Keys keys={shortcut.keys} />
        {shortcut.or?.map((alt) => (
          <Fragment key={alt.join('+')}>
            <span className="muted"> or </span>
            <Keys keys={alt} />
          </Fragment>
        ))}
      </th>
      <td>{shortcut.does}</td>
    </tr>
  );
}

export function KeyboardShortcuts() {
  const dialog = useModalDialog();
  const { setOpen } = dialog;
  const openHelp = useCallback(() => setOpen(true), [setOpen]);
  useGlobalKeys(openHelp);

  return (
    <>
      <button
        type="button"
        className="icon-btn shortcuts-btn"
        aria-label="Keyboard shortcuts"
        aria-keyshortcuts="Shift+?"
        title="Keyboard shortcuts (?)"
        onClick={openHelp}
      >
        ?
      </button>
      <ModalDialog
        dialog={dialog}
        className="shortcuts-dialog"
        title="Keyboard shortcuts"
        titleId="shortcuts-title"
      >
        <div className="shortcuts-body">
          {SHORTCUTS.map((group) => (
            <table key={group.where} className="shortcuts-table">
              <caption>{group.where}</caption>
              <tbody>
                {group.keys.map((s) => (
                  <Row key={`${s.keys.join('+')} ${s.does}`} shortcut={s} />
                ))}
              </tbody>
            </table>
          ))}
        </div>
      </ModalDialog>
    </>
  );
}
