/** What App mounts of Compare: the header's button and whether the pane replaces the workspace. */
import { useExplorer } from '../../store';
import { closeCompare, openCompare, useCompare } from '../../store/compare';

export { ComparePane } from './ComparePane';

export function useCompareOpen(): boolean {
  return useCompare((s) => s.open);
}

export function CompareButton() {
  const open = useCompare((s) => s.open);
  const ready = useExplorer(
    (s) => s.session.phase === 'done' || s.session.phase === 'cancelled' || s.session.phase === 'failed',
  );
  return (
    <button
      type="button"
      className="btn ghost"
      aria-pressed={open}
      disabled={!ready}
      onClick={() => (open ? closeCompare() : openCompare())}
    >
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <path d="M5.5 2v12M10.5 2v12M2 5h3.5M10.5 11H14M2 11l2-2M14 5l-2 2" fill="none" />
      </svg>
      <span className="btn-text">Compare</span>
    </button>
  );
}
