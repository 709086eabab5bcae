/**
 * Verify: the worker hashes every layer blob and config with SHA-256 and compares them with the
 * manifests and configs; progress goes to the status line, mismatches to an alert.
 */
import { messageOf } from '../core/errors';
import { isStale, query } from './client';
import { getState, setState } from './index';

export async function runVerify(): Promise<void> {
  const s = getState();
  if (!s.archive || s.verify?.phase === 'running') return;
  const id = s.session.id;
  setState({ verify: { phase: 'running', progress: null, result: null, error: null } });
  try {
    const result = await query('verify', {});
    const cur = getState();
    if (cur.session.id !== id) return;
    setState({ verify: { phase: 'done', progress: cur.verify?.progress ?? null, result, error: null } });
  } catch (error) {
    if (isStale(error) || getState().session.id !== id) return;
    setState({ verify: { phase: 'failed', progress: null, result: null, error: messageOf(error) } });
  }
}
