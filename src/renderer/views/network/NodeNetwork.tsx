import './network.css';
import type { Node } from '../../../orchestrator/api/types.js';
import { KeyValues, Section } from '../../components/KeyValues.js';

/** A node's addresses and the pod network it was given (spec.podCIDRs, from the control plane's node IPAM). */
export function NodeNetwork({ node }: { node: Node }) {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  const addresses = node.status?.addresses ?? [];
  return (
    <Section title="Network">
      <KeyValues
        rows={[
          [
            'Addresses',
            addresses.length ? (
              <ul className="plain-list node-net" data-testid="node-addresses">
                {addresses.map((a) => (
                  <li key={`${a.type}-${a.address}`}>
                    {a.address} <span className="muted small">{a.type}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <span className="muted">none reported</span>
            ),
          ],
          [
            cidrs.length > 1 ? 'Pod CIDRs' : 'Pod CIDR',
            cidrs.length ? (
              <span className="mono" data-testid="node-pod-cidr">
                {cidrs.join(', ')}
              </span>
            ) : (
              <span className="muted" data-testid="node-pod-cidr">
                not assigned
              </span>
            ),
          ],
        ]}
      />
    </Section>
  );
}
