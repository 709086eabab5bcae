/** The package that owns the selected file (dpkg lists, apk R: lines, rpm file lists, npm directories). */
import { useExplorer } from '../store';
import { query } from '../store/client';
import { selectPackage } from '../store/packages';
import { visible } from './format';
import { useQuery } from './useQuery';

export function FilePackage() {
  const session = useExplorer((s) => s.session.id);
  const image = useExplorer((s) => s.selection.image);
  const path = useExplorer((s) => s.selection.path);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const { data } = useQuery(ready && path ? () => query('fileOwners', { image, path }) : null, [
    session,
    image,
    path,
    ready,
  ]);
  if (!path || !data || data.length === 0) return null;
  return (
    <section className="panel file-package" aria-label="Package of the file">
      <div className="file-package-body small">
        <span className="muted">{data.length === 1 ? 'Package' : 'Packages'}</span>
        {data.slice(0, 8).map((row) => (
          <button
            key={row.id}
            type="button"
            className="link-btn small file-package-link"
            onClick={() => selectPackage(row.id, true)}
          >
            <span className={`pkg-eco eco-${row.ecosystem}`}>{row.ecosystem}</span> {visible(row.name)}{' '}
            <span className="mono">{visible(row.version)}</span>
            {row.installedIn !== null ? <span className="muted"> · layer {row.installedIn}</span> : null}
          </button>
        ))}
        {data.length > 8 && <span className="muted">and {data.length - 8} more</span>}
      </div>
    </section>
  );
}
