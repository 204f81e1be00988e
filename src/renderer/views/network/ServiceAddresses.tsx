import './network.css';
import { useMemo } from 'react';
import type { Service } from '../../../orchestrator/api/types.js';
import { Section } from '../../components/KeyValues.js';
import { useApp } from '../../store/context.js';
import { serviceAnswers } from './answers.js';
import { useIngresses } from './useIngresses.js';

/** The Electron window opens only https links (in the system browser); the browser opens any. */
const linksOpen = (url: string) => !('skiff' in window) || url.startsWith('https://');

/** Where a Service answers: cluster IP:port, node ports on each node, load balancer, Ingress hosts and paths. */
export function ServiceAddresses({ svc }: { svc: Service }) {
  const nodeMap = useApp((s) => s.cluster.nodes);
  const ingresses = useIngresses(svc.metadata.namespace);
  const answers = useMemo(() => serviceAnswers(svc, Object.values(nodeMap), ingresses), [svc, nodeMap, ingresses]);
  return (
    <Section title={`Answers on (${answers.length})`}>
      {answers.length === 0 ? (
        <div className="muted small">{svc.spec.type === 'ExternalName' ? `a DNS alias for ${svc.spec.externalName ?? '?'}` : 'no address (headless, no ports)'}</div>
      ) : (
        <table className="table answers" data-testid="service-answers">
          <tbody>
            {answers.map((a) => (
              <tr key={`${a.via}-${a.address}-${a.detail ?? ''}`} data-testid="service-answer" data-via={a.via} data-address={a.address}>
                <td className="muted small">{a.via}</td>
                <td className="mono">
                  {a.url && linksOpen(a.url) ? (
                    <a href={a.url} target="_blank" rel="noreferrer noopener" data-testid="service-answer-link">
                      {a.address}
                    </a>
                  ) : (
                    a.address
                  )}
                </td>
                <td className="muted small">{a.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
