import { useApp, useServices } from '../../store/context.js';

/** Canvas / Resources switch and the namespace picker (which filters both). */
export function TopBarControls() {
  const { store } = useServices();
  const view = useApp((s) => s.view);
  const namespace = useApp((s) => s.namespace);
  const namespaces = useApp((s) => s.namespaces);
  const options = namespace && !namespaces.includes(namespace) ? [namespace, ...namespaces] : namespaces;
  return (
    <div className="row gap">
      <div className="view-switch" role="group" aria-label="View">
        <button aria-pressed={view === 'canvas'} onClick={() => store.getState().setView('canvas')} data-testid="view-canvas">
          Canvas
        </button>
        <button aria-pressed={view === 'resources'} onClick={() => store.getState().setView('resources')} data-testid="view-resources">
          Resources
        </button>
      </div>
      <label className="ns-picker">
        <span className="sr-only">Namespace</span>
        <select value={namespace ?? ''} onChange={(e) => store.getState().setNamespace(e.target.value || null)} aria-label="Namespace" data-testid="namespace-picker">
          <option value="">All namespaces</option>
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
