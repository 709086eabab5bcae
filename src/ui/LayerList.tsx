/**
 * The selected image's history as a listbox: one option per layer (named by its command), with a
 * size bar scaled to the largest layer, the entry count and the change counts; history steps that
 * made no layer (ENV, LABEL, CMD…) appear in place, dimmed.
 */
import { type KeyboardEvent, useEffect, useMemo, useRef } from 'react';
import { selectLayer, useExplorer } from '../store';
import { filterSecretsByLayer, secretLayerCounts, useSecretsUi } from '../store/secrets';
import type { HistoryStep, ImageSummary } from '../worker/protocol';
import { countsSentence } from './changeLabels';
import { buildArgsOf, cleanCommand, formatBytes, formatCount, layerLabel, plural, visible } from './format';
import { packageCountsText, packageCountsWords, usePackageSummary } from './packagesData';

export type HistoryItem =
  | { kind: 'layer'; layer: number; steps: HistoryStep[] }
  | { kind: 'step'; step: HistoryStep; key: number };

/** History steps and layers in order; a layer the history does not mention still gets its place. */
export function historyItems(image: ImageSummary): HistoryItem[] {
  const n = image.layers.length;
  const items: HistoryItem[] = [];
  let next = 0;
  image.history.forEach((step, i) => {
    if (step.layerIndex === null || step.emptyLayer) {
      items.push({ kind: 'step', step, key: i });
      return;
    }
    while (next < step.layerIndex && next < n) items.push({ kind: 'layer', layer: next++, steps: [] });
    if (step.layerIndex >= next && step.layerIndex < n) {
      items.push({ kind: 'layer', layer: step.layerIndex, steps: [] });
      next = step.layerIndex + 1;
    }
  });
  while (next < n) items.push({ kind: 'layer', layer: next++, steps: [] });
  // Each option's description names the metadata steps that follow it.
  let last: Extract<HistoryItem, { kind: 'layer' }> | null = null;
  const leading: HistoryStep[] = [];
  for (const item of items) {
    if (item.kind === 'layer') {
      if (!last && leading.length) item.steps.push(...leading);
      last = item;
    } else if (last) last.steps.push(item.step);
    else leading.push(item.step);
  }
  return items;
}

export function LayerList() {
  const archive = useExplorer((s) => s.archive);
  const blobs = useExplorer((s) => s.blobs);
  const selection = useExplorer((s) => s.selection);
  const stats = useExplorer((s) => s.stats[s.selection.image]);
  const listRef = useRef<HTMLDivElement>(null);
  const image = archive?.images[selection.image];
  const packageLayers = usePackageSummary().data?.layers;
  const sessionId = useExplorer((s) => s.session.id);
  const secretCounts = useSecretsUi((s) => secretLayerCounts(s, sessionId, selection.image));

  const items = useMemo(() => (image ? historyItems(image) : []), [image]);
  const maxSize = useMemo(() => {
    let m = 1;
    for (const l of image?.layers ?? []) m = Math.max(m, blobs[l.blob]?.sizeBytes ?? 0);
    return m;
  }, [image, blobs]);

  const idPrefix = `layer-opt-${selection.image}`;
  // In the next frame, whose layout the browser does anyway: scrolling now would force one more
  // inside the task that rendered the list.
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const el = listRef.current?.querySelector<HTMLElement>(`#${idPrefix}-${selection.layer}`);
      el?.scrollIntoView({ block: 'nearest' });
    });
    return () => cancelAnimationFrame(frame);
  }, [selection.layer, idPrefix]);

  if (!image) return null;
  const n = image.layers.length;

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    let to: number | null = null;
    if (e.key === 'ArrowDown') to = selection.layer + 1;
    else if (e.key === 'ArrowUp') to = selection.layer - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = n - 1;
    else if (e.key === 'PageDown') to = selection.layer + 8;
    else if (e.key === 'PageUp') to = selection.layer - 8;
    if (to === null) return;
    e.preventDefault();
    selectLayer(Math.max(0, Math.min(n - 1, to)));
  };

  return (
    <section className="panel layers-panel" aria-labelledby="layers-title">
      <header className="panel-head">
        <h2 id="layers-title">Layers</h2>
        <span className="muted small">
          {plural(n, 'layer', 'layers')} ·{' '}
          {plural(image.history.filter((h) => h.emptyLayer).length, 'metadata step', 'metadata steps')}
        </span>
      </header>
      <div
        ref={listRef}
        className="layer-list"
        role="listbox"
        aria-label="Layers"
        tabIndex={0}
        aria-activedescendant={`${idPrefix}-${selection.layer}`}
        onKeyDown={onKey}
      >
        {items.map((item) => {
          if (item.kind === 'step') {
            return (
              <div
                key={`s${item.key}`}
                className="history-step"
                aria-hidden="true"
                title={visible(item.step.createdBy)}
              >
                <span className="step-dot" />
                <span className="step-text">
                  {cleanCommand(item.step.createdBy) || visible(item.step.comment) || 'metadata'}
                </span>
              </div>
            );
          }
          const layer = image.layers[item.layer];
          const blob = blobs[layer.blob];
          const label = layerLabel(layer.createdBy, layer.comment);
          const buildArgs = buildArgsOf(layer.createdBy);
          const counts = stats?.counts[item.layer];
          const size = blob?.sizeBytes ?? null;
          const selected = item.layer === selection.layer;
          const pending = !blob || blob.state === 'pending';
          const secrets = secretCounts?.[item.layer] ?? 0;
          const secretsText = secrets ? plural(secrets, 'secret', 'secrets') : '';
          // The visible texts in their order (index and counts are drawn by CSS), then the counts in words.
          const aria =
            `${label}, ${pending ? 'reading' : formatBytes(size)}, ${pending ? '' : plural(blob?.entries, 'entry', 'entries')}` +
            (buildArgs.length ? `, ${plural(buildArgs.length, 'build arg', 'build args')}` : '') +
            (secretsText ? `, ${secretsText}` : '') +
            (blob?.error ? `, incomplete, error: ${visible(blob.error)}` : '') +
            (counts ? `, ${countsSentence(counts)}` : '');
          return (
            // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the listbox (aria-activedescendant)
            <div
              key={`l${item.layer}`}
              id={`${idPrefix}-${item.layer}`}
              role="option"
              aria-selected={selected}
              aria-label={aria}
              aria-description={
                [
                  buildArgs.length ? `build args ${buildArgs.join(' ')}` : '',
                  packageCountsWords(packageLayers?.[item.layer]),
                  item.steps.length
                    ? `then ${item.steps.map((s) => cleanCommand(s.createdBy)).join('; ')}`
                    : '',
                ]
                  .filter(Boolean)
                  .join('; ') || undefined
              }
              className={`layer-option${selected ? ' selected' : ''}${blob?.error ? ' failed' : ''}${pending ? ' pending' : ''}`}
              onClick={() => selectLayer(item.layer)}
              onKeyDown={undefined}
              title={visible(layer.createdBy ?? layer.comment ?? '')}
            >
              <span className="layer-index" data-index={item.layer} aria-hidden="true" />
              <span className="layer-cmd">{label}</span>{' '}
              <span className="layer-size">{pending ? '…' : formatBytes(size)}</span>{' '}
              <span className="layer-bar" aria-hidden="true">
                <span
                  style={{
                    width: `${pending ? 0 : Math.max(size ? 1.5 : 0, ((size ?? 0) / maxSize) * 100)}%`,
                  }}
                />
              </span>
              <span className="layer-meta">
                <span className="muted">
                  {pending ? 'reading…' : plural(blob?.entries, 'entry', 'entries')}
                </span>{' '}
                {counts && (
                  <span className="counts" aria-hidden="true">
                    <span className="c-added" data-count={`+${formatCount(counts.added)}`} />
                    <span className="c-modified" data-count={`~${formatCount(counts.modified)}`} />
                    <span className="c-removed" data-count={`−${formatCount(counts.removed)}`} />
                    {counts.rewritten > 0 && (
                      <span
                        className="c-rewritten"
                        title="Files written again with the same bytes"
                        data-count={`=${formatCount(counts.rewritten)} same`}
                      />
                    )}
                    {counts.replaced > 0 && (
                      <span
                        className="c-replaced"
                        title="Directories replaced (made opaque)"
                        data-count={`${formatCount(counts.replaced)} replaced`}
                      />
                    )}
                  </span>
                )}
                {packageCountsText(packageLayers?.[item.layer]) && (
                  <span
                    className="layer-packages"
                    aria-hidden="true"
                    data-count={packageCountsText(packageLayers?.[item.layer])}
                  />
                )}{' '}
                {buildArgs.length > 0 && (
                  <span className="build-args" title={`Build arguments of this step: ${buildArgs.join(' ')}`}>
                    {plural(buildArgs.length, 'build arg', 'build args')}
                  </span>
                )}{' '}
                {secretsText && (
                  // The click selects the layer (the option's own) and narrows Secrets to it; from
                  // the keyboard, the Secrets view's "Show findings of" does the same.
                  // biome-ignore lint/a11y/useKeyWithClickEvents: a pointer shortcut inside an option, which must hold no focusable control
                  // biome-ignore lint/a11y/noStaticElementInteractions: the same shortcut; the option is the control
                  <span
                    className="layer-secrets"
                    title="Show this layer's secrets"
                    onClick={() => filterSecretsByLayer(item.layer, true)}
                  >
                    {secretsText}
                  </span>
                )}{' '}
                {blob?.error && (
                  <span className="c-error" title={visible(blob.error)}>
                    incomplete
                  </span>
                )}
              </span>
            </div>
          );
        })}
      </div>
    </section>
  );
}
