import { useState } from 'react';
import { messageOf } from '../api/errors.js';
import { removeHost, type Host } from '../api/hosts.js';
import { addHostCommand } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { useApp, useServices } from '../store/context.js';

/** Every Host with its phase and node; select one for its steps, remove with a confirming second click. */
export function HostsPanel() {
  const hosts = useApp((s) => s.cluster.hosts);
  const selected = useApp((s) => (s.selection?.type === 'host' ? s.selection.name : undefined));
  const ctx = useServices();
  const list = Object.values(hosts).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return (
    <aside className="hosts-panel" data-testid="hosts-panel">
      <div className="panel-head">
        <h2>Hosts</h2>
        <div className="row gap">
          <button className="btn btn-small btn-primary" onClick={() => void runCommand(addHostCommand, ctx)}>
            Add
          </button>
          <button className="icon-btn" onClick={() => ctx.store.getState().setHostsOpen(false)} aria-label="Close hosts">
            ✕
          </button>
        </div>
      </div>
      {list.length === 0 && <div className="panel-empty">No hosts yet. Add one to run containers on it.</div>}
      <ul className="host-list">
        {list.map((h) => (
          <HostRow key={h.metadata.name} host={h} selected={h.metadata.name === selected} />
        ))}
      </ul>
    </aside>
  );
}

function HostRow({ host, selected }: { host: Host; selected: boolean }) {
  const { api, store } = useServices();
  const [confirming, setConfirming] = useState(false);
  const name = host.metadata.name ?? '';
  const phase = host.metadata.deletionTimestamp ? 'Removing' : (host.status?.phase ?? 'Pending');
  const remove = async () => {
    setConfirming(false);
    try {
      await removeHost(api, name);
    } catch (e) {
      store.getState().notify({ kind: 'error', text: `Remove host ${name}: ${messageOf(e)}` });
    }
  };
  return (
    <li className={`host-row${selected ? ' is-selected' : ''}`} data-testid={`host-${name}`} data-phase={phase}>
      <button className="host-main" onClick={() => store.getState().select({ type: 'host', name })}>
        <span className={`dot phase-${phase.toLowerCase()}`} />
        <span className="host-name">{name}</span>
        <span className="muted small">
          {host.spec.address}
          {host.status?.nodeName ? ` · ${host.status.nodeName}` : ''}
        </span>
        <span className={`badge phase-bg-${phase.toLowerCase()}`}>{phase}</span>
      </button>
      {phase !== 'Removing' &&
        (confirming ? (
          <span className="row gap">
            <button className="btn btn-small btn-danger" onClick={() => void remove()} data-testid={`host-remove-confirm-${name}`}>
              Remove
            </button>
            <button className="btn btn-small btn-ghost" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button className="btn btn-small btn-ghost" onClick={() => setConfirming(true)} data-testid={`host-remove-${name}`}>
            Remove…
          </button>
        ))}
    </li>
  );
}
