/**
 * The size map's key: which colour is which layer (the layer that last wrote the file), for the
 * layers the merged view at the selected layer holds, and what area and clicks mean.
 */
import { useExplorer } from '../store';
import { plural } from './format';

/** Swatches one per layer up to this many; past it, a gradient with its ends and middle named. */
const MAX_SWATCHES = 16;

export function SizeMapLegend({ colour }: { colour: (layer: number, layers: number) => string }) {
  const layers = useExplorer((s) => s.archive?.images[s.selection.image]?.layers.length ?? 0);
  const top = useExplorer((s) => s.selection.layer);
  if (layers === 0) return null;
  const shown = Math.min(top, layers - 1) + 1;
  const description = `Colour: the layer that last wrote the file, from layer 0 to layer ${shown - 1}`;
  return (
    <div className="sm-key small" role="group" aria-label="Size map legend">
      <span className="sm-key-title">Colour = layer that last wrote the file</span>
      {shown <= MAX_SWATCHES ? (
        <ol className="sm-swatches" aria-label={description}>
          {Array.from({ length: shown }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the index is the layer
            <li key={i} className="sm-swatch-item" title={`layer ${i}`}>
              <span className="sm-swatch" style={{ background: colour(i, layers) }} aria-hidden="true" />
              <span className="sm-swatch-n">{i}</span>
            </li>
          ))}
        </ol>
      ) : (
        <span className="sm-gradient-wrap" role="img" aria-label={description}>
          <span className="sm-gradient-end">0</span>
          <span
            className="sm-gradient"
            style={{
              background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1]
                .map((f) => colour(Math.round(f * (shown - 1)), layers))
                .join(', ')})`,
            }}
          />
          <span className="sm-gradient-end">{shown - 1}</span>
        </span>
      )}
      <span className="muted">
        Area = size · {plural(shown, 'layer', 'layers')} · click a directory to zoom in, a file to select it
      </span>
    </div>
  );
}
