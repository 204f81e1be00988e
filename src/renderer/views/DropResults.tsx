import { Causes } from '../components/Causes.js';
import { useApp, useServices } from '../store/context.js';

const OUTCOME_ICON = { created: '✓', configured: '✓', unchanged: '=', error: '✕' } as const;

/** The outcome of the last dropped (or picked) files, one row per document, filled in as each applies. */
export function DropResults() {
  const drop = useApp((s) => s.drop);
  const { store } = useServices();
  if (!drop) return null;
  const errors = drop.results.filter((r) => r.outcome === 'error').length;
  return (
    <div className="drop-results" data-testid="drop-results" data-running={drop.running}>
      <div className="drop-results-head">
        <div>
          <div className="drop-results-title">{drop.files.join(', ')}</div>
          <div className="muted small">
            {drop.running ? `Applying ${drop.results.length + 1} of ${drop.total}…` : `${drop.total} document${drop.total === 1 ? '' : 's'} · ${errors} error${errors === 1 ? '' : 's'}`}
          </div>
        </div>
        <button className="icon-btn" onClick={() => store.getState().setDrop(null)} aria-label="Dismiss" data-testid="drop-results-close">
          ✕
        </button>
      </div>
      {drop.total === 0 && <div className="muted small">No documents found.</div>}
      <ol className="drop-list">
        {drop.results.map((r, i) => (
          <li key={i} className={`drop-row outcome-${r.outcome}`} data-testid={`drop-result-${i}`} data-outcome={r.outcome}>
            <span className="drop-icon">{OUTCOME_ICON[r.outcome]}</span>
            <div className="drop-body">
              <div>
                <b>{r.label}</b> <span className="drop-outcome">{r.outcome}</span>
              </div>
              <div className="muted small">{r.source}</div>
              {r.message && <div className="error-text">{headline(r.message, r.causes?.length ?? 0)}</div>}
              <Causes causes={r.causes} />
            </div>
          </li>
        ))}
        {drop.running && (
          <li className="drop-row">
            <span className="spinner" />
            <span className="muted">applying…</span>
          </li>
        )}
      </ol>
    </div>
  );
}

/** `Pod "x" is invalid: [a, b]` lists the causes shown below it: keep the part before the list. */
function headline(message: string, causes: number): string {
  const i = message.indexOf(': [');
  return causes > 0 && i > 0 ? message.slice(0, i) : message;
}
