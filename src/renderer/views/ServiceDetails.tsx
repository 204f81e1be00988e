import { KeyValues, Labels, Section } from '../components/KeyValues.js';
import { useApp } from '../store/context.js';
import { ServiceAddresses } from './network/ServiceAddresses.js';
import { ServicePortForwards } from './portforward/ForwardButtons.js';
import { ObjectExtras } from './resources/ObjectDetails.js';
import { ObjectActions } from './resources/ObjectActions.js';

/** A service: type, addresses, ports, selector and its endpoints. */
export function ServiceDetails({ svcKey }: { svcKey: string }) {
  const svc = useApp((s) => s.cluster.services[svcKey]);
  const ep = useApp((s) => s.cluster.endpoints[svcKey]);
  if (!svc) return <div className="panel-empty">Service {svcKey} is gone.</div>;
  const ready = (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []);
  const notReady = (ep?.subsets ?? []).flatMap((s) => s.notReadyAddresses ?? []);
  return (
    <div className="details" data-testid="service-details">
      <div className="details-title">
        <span className="service-icon">⇄</span>
        <h2>{svc.metadata.name}</h2>
        <span className="badge badge-service">{svc.spec.type ?? 'ClusterIP'}</span>
      </div>
      <ObjectActions object={svc} />
      <KeyValues
        rows={[
          ['Namespace', svc.metadata.namespace],
          ['Cluster IP', svc.spec.clusterIP],
          ['External name', svc.spec.externalName],
          ['Ports', (svc.spec.ports ?? []).map((p) => `${p.name ? `${p.name} ` : ''}${p.port}→${p.targetPort ?? p.port}${p.nodePort ? ` (node ${p.nodePort})` : ''}/${p.protocol ?? 'TCP'}`).join(', ')],
        ]}
      />
      <ServiceAddresses svc={svc} />
      <ServicePortForwards svc={svc} />
      <Section title="Selector">
        <Labels labels={svc.spec.selector} />
      </Section>
      <Section title={`Endpoints (${ready.length} ready${notReady.length ? `, ${notReady.length} not ready` : ''})`}>
        <ul className="plain-list mono small">
          {ready.map((a) => (
            <li key={`r-${a.ip}`}>
              ✓ {a.ip} {a.targetRef ? `→ ${a.targetRef.name}` : ''} {a.nodeName ? `on ${a.nodeName}` : ''}
            </li>
          ))}
          {notReady.map((a) => (
            <li key={`n-${a.ip}`} className="muted">
              ○ {a.ip} {a.targetRef ? `→ ${a.targetRef.name}` : ''}
            </li>
          ))}
        </ul>
      </Section>
      <ObjectExtras object={svc} />
    </div>
  );
}
