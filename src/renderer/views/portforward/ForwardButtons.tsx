import type { Pod, Service } from '../../../orchestrator/api/types.js';
import { messageOf } from '../../api/errors.js';
import type { ForwardSpec } from '../../api/portForwards.js';
import { forward, podPorts, servicePorts } from '../../commands/portForward.js';
import { Section } from '../../components/KeyValues.js';
import { useApp, useServices } from '../../store/context.js';

function ForwardButton({ spec, label }: { spec: ForwardSpec; label: string }) {
  const ctx = useServices();
  const existing = useApp((s) => s.forwards.find((f) => f.kind === spec.kind && f.namespace === spec.namespace && f.name === spec.name && f.port === spec.port));
  const start = async () => {
    try {
      await forward(ctx, spec);
    } catch (e) {
      ctx.store.getState().notify({ kind: 'error', text: `Port-forward ${spec.kind}/${spec.name}:${spec.port}: ${messageOf(e)}` });
    }
  };
  return (
    <li className="pf-port">
      <span className="mono small">{label}</span>
      {existing && (
        <a className="mono small" href={existing.url} target="_blank" rel="noreferrer">
          {existing.url}
        </a>
      )}
      <span className="spacer" />
      <button className="btn btn-small btn-ghost" onClick={() => void start()} data-testid={`forward-${spec.port}`}>
        {existing ? 'Forward again' : 'Forward'}
      </button>
    </li>
  );
}

/** A pod's declared TCP ports, each with a Forward button. */
export function PodPortForwards({ pod }: { pod: Pod }) {
  const ports = podPorts(pod);
  if (ports.length === 0) return null;
  const ns = pod.metadata.namespace ?? 'default';
  return (
    <Section title="Ports">
      <ul className="pf-ports">
        {ports.map((p) => (
          <ForwardButton key={p.port} spec={{ kind: 'pod', namespace: ns, name: pod.metadata.name ?? '', port: p.port }} label={`${p.port}${p.name ? ` (${p.name})` : ''} · ${p.container}`} />
        ))}
      </ul>
    </Section>
  );
}

/** A Service's TCP ports, each with a Forward button (to one ready endpoint pod). */
export function ServicePortForwards({ svc }: { svc: Service }) {
  const ports = servicePorts(svc);
  if (ports.length === 0) return null;
  return (
    <Section title="Forward">
      <ul className="pf-ports">
        {ports.map((p) => (
          <ForwardButton key={p.port} spec={{ kind: 'service', namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name ?? '', port: p.port }} label={`${p.port}${p.name ? ` (${p.name})` : ''}`} />
        ))}
      </ul>
    </Section>
  );
}
