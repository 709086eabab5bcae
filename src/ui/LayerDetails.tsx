/**
 * The selected layer in full: the step that made it (instruction, build arguments and the whole
 * command, wrapped and copyable), its digest, diff ID and chain ID, size, entries, changes and
 * creation time, and the history steps without a layer that follow it.
 */
import { useMemo, useState } from 'react';
import { type BuildStep, parseBuildStep } from '../core/image/buildStep';
import { useExplorer } from '../store';
import type { HistoryStep } from '../worker/protocol';
import { formatBytes, formatCount, formatDate, plural, visible } from './format';
import { historyItems } from './LayerList';

/** The step as it would be written in a Dockerfile (newlines of a heredoc kept). */
function stepText(step: BuildStep): string {
  return step.instruction ? `${step.instruction} ${step.command}`.trim() : step.command;
}

function StepNote({ step, raw }: { step: BuildStep; raw: string }) {
  const nop = /#\(nop\)/.test(raw);
  const how = step.shell
    ? 'ran through /bin/sh -c'
    : nop
      ? 'recorded by the classic builder as #(nop): it ran nothing'
      : raw.includes('# buildkit')
        ? 'recorded by BuildKit'
        : '';
  return how ? <span className="muted small">{how}</span> : null;
}

function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 1600);
  };
  return (
    <button type="button" className="btn small" onClick={() => void copy()}>
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <rect x="5" y="5" width="8.5" height="9" rx="1.5" fill="none" />
        <path d="M3 11V3.5A1.5 1.5 0 0 1 4.5 2H10" fill="none" />
      </svg>
      <span>{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
      <span className="visually-hidden"> {what}</span>
    </button>
  );
}

function LaterStep({ step }: { step: HistoryStep }) {
  const parsed = parseBuildStep(step.createdBy);
  return (
    <li className="later-step">
      {parsed.instruction && <span className="instr">{parsed.instruction}</span>}
      <span className="mono break">{visible(parsed.command || step.comment || 'metadata')}</span>
    </li>
  );
}

export function LayerDetails() {
  const image = useExplorer((s) => s.archive?.images[s.selection.image]);
  const layerIndex = useExplorer((s) => s.selection.layer);
  const blobs = useExplorer((s) => s.blobs);
  const counts = useExplorer((s) => s.stats[s.selection.image]?.counts[s.selection.layer]);
  const items = useMemo(() => (image ? historyItems(image) : []), [image]);
  const layer = image?.layers[layerIndex];
  if (!image || !layer) return null;
  const blob = blobs[layer.blob];
  const raw = layer.createdBy ?? '';
  const step = parseBuildStep(raw);
  const text = stepText(step);
  const later = items.find((i) => i.kind === 'layer' && i.layer === layerIndex);
  const steps = later?.kind === 'layer' ? later.steps : [];
  return (
    <section className="panel layer-details" aria-labelledby="layer-details-title">
      <header className="panel-head">
        <h2 id="layer-details-title">Layer details</h2>
        <span className="muted small">
          Layer {layerIndex} of {image.layers.length}
        </span>
        {text && (
          <div className="toolbar">
            <CopyButton text={text} what="command" />
          </div>
        )}
      </header>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <div className="layer-details-body" tabIndex={0}>
        <div className="step-head">
          {step.instruction && <span className="instr">{step.instruction}</span>}
          <StepNote step={step} raw={raw} />
        </div>
        {step.buildArgs.length > 0 && (
          <div className="build-arg-list" role="group" aria-label="Build arguments">
            <span className="muted small">Build args</span>
            {step.buildArgs.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a name may repeat
              <code key={i} className="build-arg">
                {visible(`${a.name}=${a.value}`)}
              </code>
            ))}
          </div>
        )}
        <pre className="layer-command">
          {visible(step.command) || visible(layer.comment) || '(no command recorded)'}
        </pre>
        <dl className="kv layer-kv">
          <dt>Size</dt>
          <dd>
            {formatBytes(blob?.sizeBytes)}
            {blob && blob.storedSize !== blob.sizeBytes && (
              <span className="muted">
                {' '}
                · {formatBytes(blob.storedSize)} stored
                {blob.compression !== 'none' ? ` (${blob.compression})` : ''}
              </span>
            )}
          </dd>
          <dt>Entries</dt>
          <dd>{formatCount(blob?.entries)}</dd>
          <dt>Changes</dt>
          <dd>
            {counts
              ? `${formatCount(counts.added)} added, ${formatCount(counts.modified)} modified, ${formatCount(counts.removed)} removed`
              : '…'}
          </dd>
          <dt>Created</dt>
          <dd>{formatDate(layer.created)}</dd>
          <dt>Digest</dt>
          <dd className="mono digest">
            {visible(blob?.digest) || (
              <span className="muted">not recorded for this layer in this archive</span>
            )}
          </dd>
          <dt>Diff ID</dt>
          <dd className="mono digest">{visible(layer.diffId) || '–'}</dd>
          <dt>Chain ID</dt>
          <dd className="mono digest">{visible(layer.chainId)}</dd>
          {layer.comment && (
            <>
              <dt>Comment</dt>
              <dd className="break">{visible(layer.comment)}</dd>
            </>
          )}
        </dl>
        {steps.length > 0 && (
          <>
            <h3 className="sub">Then, without a layer ({plural(steps.length, 'step', 'steps')})</h3>
            <ul className="later-steps">
              {steps.map((s, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: steps may repeat
                <LaterStep key={i} step={s} />
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
