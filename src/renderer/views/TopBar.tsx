import { addHostCommand, deployFromFile, showHosts } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { useApp, useServices } from '../store/context.js';
import { connectionState } from '../store/selectors.js';
import { TopBarControls } from './resources/TopBarControls.js';

const CONNECTION_LABEL = { connected: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', offline: 'Offline' } as const;

/** Cluster name, counts, connection state and the main actions. */
export function TopBar({ clusterName }: { clusterName: string }) {
  const ctx = useServices();
  const nodeCount = useApp((s) => s.counts.nodes);
  const podCount = useApp((s) => s.counts.pods);
  const hostCount = useApp((s) => s.counts.hosts);
  const forwardCount = useApp((s) => s.forwards.length);
  const conn = useApp(connectionState);
  const lastError = useApp((s) => s.lastWatchError);
  const version = useApp((s) => s.serverVersion);
  return (
    <header className="topbar">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden>
          <path d="M12 2 L12 16 L4 16 Z" fill="currentColor" opacity="0.9" />
          <path d="M13.5 5 L13.5 16 L20 16 Z" fill="currentColor" opacity="0.55" />
          <path d="M2.5 18 H21.5 L18.5 22 H5.5 Z" fill="currentColor" />
        </svg>
        <span className="brand-name">Skiff</span>
        <span className="cluster-name" data-testid="cluster-name" title={version ? `API ${version}` : undefined}>
          {clusterName}
        </span>
      </div>
      <TopBarControls />
      <div className="counts">
        <span className="count" data-testid="node-count">
          <b>{nodeCount}</b> {nodeCount === 1 ? 'node' : 'nodes'}
        </span>
        <span className="count" data-testid="pod-count">
          <b>{podCount}</b> {podCount === 1 ? 'pod' : 'pods'}
        </span>
      </div>
      <div className="topbar-actions">
        <button className="btn btn-ghost" onClick={() => void runCommand(showHosts, ctx)} data-testid="hosts-button">
          Hosts <span className="pill">{hostCount}</span>
        </button>
        <button className="btn btn-ghost" onClick={() => ctx.store.getState().setForwardsOpen(!ctx.store.getState().forwardsOpen)} data-testid="forwards-button">
          Forwards <span className="pill">{forwardCount}</span>
        </button>
        <button className="btn" disabled={conn === 'offline'} onClick={() => void runCommand(deployFromFile, ctx)} data-testid="deploy-button">
          Deploy file
        </button>
        <button className="btn btn-primary" disabled={conn === 'offline'} onClick={() => void runCommand(addHostCommand, ctx)} data-testid="add-host-button">
          Add host
        </button>
        <button className="btn btn-ghost kbd-btn" onClick={() => ctx.store.getState().setPaletteOpen(true)} title="Command palette" data-testid="palette-button">
          <kbd>Ctrl</kbd>
          <kbd>K</kbd>
        </button>
        <span className={`conn conn-${conn}`} data-testid="connection-status" data-state={conn} title={conn === 'connected' ? undefined : lastError}>
          <span className="conn-dot" />
          {CONNECTION_LABEL[conn]}
        </span>
      </div>
    </header>
  );
}
