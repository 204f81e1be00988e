import type { StatusCause } from '../../orchestrator/api/types.js';

/** The failing fields of a Status error, one per line. */
export function Causes({ causes }: { causes: readonly StatusCause[] | undefined }) {
  if (!causes || causes.length === 0) return null;
  return (
    <ul className="causes">
      {causes.map((c, i) => (
        <li key={i}>
          {c.field && <code className="cause-field">{c.field}</code>} {c.message ?? c.reason}
        </li>
      ))}
    </ul>
  );
}
