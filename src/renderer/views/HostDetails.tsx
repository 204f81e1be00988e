import { messageOf } from '../api/errors.js';
import { retryHost } from '../api/hosts.js';
import { openHostShell, removeHostCommand } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { KeyValues } from '../components/KeyValues.js';
import { useApp, useServices } from '../store/context.js';
import { HostProgress } from './HostProgress.js';
import { ObjectExtras } from './resources/ObjectDetails.js';
import { ObjectActions } from './resources/ObjectActions.js';

/** A host in the side panel: how it is reached and its provisioning steps. */
export function HostDetails({ name }: { name: string }) {
  const host = useApp((s) => s.cluster.hosts[name]);
  const ctx = useServices();
  if (!host) return <div className="panel-empty">Host {name} is gone.</div>;
  return (
    <div className="details" data-testid="host-details">
      <div className="details-title">
        <h2>{name}</h2>
      </div>
      <KeyValues
        rows={[
          ['Address', `${host.spec.address}:${host.spec.port ?? 22}`],
          ['User', host.spec.user],
          ['Auth', host.spec.useAgent ? 'ssh-agent' : host.spec.privateKeySecretRef ? `key in ${host.spec.privateKeySecretRef.namespace}/${host.spec.privateKeySecretRef.name}` : undefined],
          ['Node', host.status?.nodeName],
        ]}
      />
      <ObjectActions object={host} />
      <HostProgress host={host} name={name} />
      <ObjectExtras object={host} />
      <div className="actions">
        <button className="btn btn-small" disabled={!openHostShell.enabled(ctx)} onClick={() => void runCommand(openHostShell, ctx)} data-testid="host-shell-button">
          Shell
        </button>
        {host.status?.phase === 'Failed' && !host.metadata.deletionTimestamp && (
          <>
            <button className="btn btn-small btn-primary" onClick={() => ctx.store.getState().openDialog({ type: 'addHost', edit: name })} data-testid="host-edit">
              Edit and retry…
            </button>
            <button
              className="btn btn-small"
              onClick={() => void retryHost(ctx.api, name, new Date().toISOString()).catch((e: unknown) => ctx.store.getState().notify({ kind: 'error', text: `Retry host ${name}: ${messageOf(e)}` }))}
              data-testid="host-retry"
            >
              Retry now
            </button>
          </>
        )}
        <button className="btn btn-small btn-danger" disabled={!removeHostCommand.enabled(ctx)} onClick={() => void runCommand(removeHostCommand, ctx)}>
          Remove host
        </button>
      </div>
    </div>
  );
}
