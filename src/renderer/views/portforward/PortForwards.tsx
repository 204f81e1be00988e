import './portforward.css';
import { useEffect } from 'react';
import { messageOf } from '../../api/errors.js';
import { describeForward, listForwards, stopForward, type ForwardInfo } from '../../api/portForwards.js';
import { useApp, useServices } from '../../store/context.js';

const STATE_TEXT = { listening: 'listening', reconnecting: 'reconnecting…', error: 'error' } as const;

/**
 * Keeps the store's list of port-forwards current (the UI server holds them; polled: every second
 * while the panel is open, every 5 s otherwise) and shows the panel when it is open.
 */
export function PortForwards() {
  const open = useApp((s) => s.forwardsOpen);
  const { store } = useServices();
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        store.getState().setForwards(await listForwards());
      } catch {
        // The UI server is away: the connection state in the top bar says so.
      }
      if (!stop) timer = setTimeout(() => void tick(), store.getState().forwardsOpen ? 1000 : 5000);
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [store, open]);
  return open ? <PortForwardsPanel /> : null;
}

function PortForwardsPanel() {
  const forwards = useApp((s) => s.forwards);
  const { store } = useServices();
  const close = () => store.getState().setForwardsOpen(false);
  return (
    <div className="pf-panel" role="dialog" aria-label="Port-forwards" data-testid="port-forwards" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="panel-head">
        <h2>Port-forwards</h2>
        <button className="icon-btn" onClick={close} aria-label="Close port-forwards" data-testid="port-forwards-close" autoFocus>
          ✕
        </button>
      </div>
      {forwards.length === 0 && <div className="panel-empty">None. Use Forward beside a pod's or a service's port.</div>}
      <ul className="pf-list">
        {forwards.map((f) => (
          <ForwardRow key={f.id} f={f} />
        ))}
      </ul>
    </div>
  );
}

function ForwardRow({ f }: { f: ForwardInfo }) {
  const { store } = useServices();
  const stop = async () => {
    try {
      await stopForward(f.id);
      store.getState().setForwards(await listForwards());
    } catch (e) {
      store.getState().notify({ kind: 'error', text: `Stop port-forward: ${messageOf(e)}` });
    }
  };
  return (
    <li className="pf-row" data-testid={`port-forward-${f.kind}-${f.name}-${f.port}`} data-state={f.state} data-url={f.url}>
      <div className="pf-main">
        <a href={f.url} target="_blank" rel="noreferrer" className="mono" data-testid="port-forward-url">
          127.0.0.1:{f.localPort}
        </a>
        <span className="muted small">→ {describeForward(f)}</span>
      </div>
      <div className="pf-meta">
        <span className={`badge pf-${f.state}`} data-testid="port-forward-state" title={f.message}>
          {STATE_TEXT[f.state]}
        </span>
        <span className="muted small" data-testid="port-forward-connections">
          {f.connections} open · {f.served} served
        </span>
        <span className="spacer" />
        <button className="btn btn-small" onClick={() => void stop()} data-testid="port-forward-stop">
          Stop
        </button>
      </div>
      {f.message && <div className="small pf-message">{f.message}</div>}
    </li>
  );
}
