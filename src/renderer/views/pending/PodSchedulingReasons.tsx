import { useMemo } from 'react';
import type { Pod } from '../../../orchestrator/api/types.js';
import { Section } from '../../components/KeyValues.js';
import { claimWaits, pendingReasons } from '../../graph/pendingReasons.js';
import { useApp } from '../../store/context.js';

/**
 * Why the scheduler has not placed the pod: its summary and a table of nodes and what rejected
 * each; and the claims it waits for, each with the latest event about it (why provisioning is slow).
 */
export function PodSchedulingReasons({ pod }: { pod: Pod }) {
  const events = useApp((s) => s.cluster.events);
  const claims = useMemo(() => claimWaits(pod, Object.values(events)), [pod, events]);
  const why = pendingReasons(pod);
  if (!why && !claims.length) return null;
  return (
    <Section title="Why is it pending">
      {claims.length > 0 && (
        <table className="table" data-testid="pending-claims">
          <thead>
            <tr>
              <th>Claim</th>
              <th>Latest event</th>
            </tr>
          </thead>
          <tbody>
            {claims.map((c) => (
              <tr key={c.claim} data-testid={`pending-claim-${c.claim}`}>
                <td className="mono">{c.claim}</td>
                <td className={c.latest?.type === 'Warning' ? 'claim-warning' : undefined}>{c.latest ? `${c.latest.reason}: ${c.latest.message}` : 'no events yet'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {why?.summary && (
        <div className="small pending-summary" data-testid="pending-summary">
          {why.summary}
        </div>
      )}
      {why && why.nodes.length > 0 && (
        <table className="table" data-testid="pending-reasons">
          <thead>
            <tr>
              <th>Node</th>
              <th>Rejected because</th>
            </tr>
          </thead>
          <tbody>
            {why.nodes.map((n) => (
              <tr key={n.node} data-testid={`pending-reason-${n.node}`}>
                <td className="mono">{n.node}</td>
                <td>
                  {n.reasons.map((r) => (
                    <div key={r}>{r}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {why?.raw && <pre className="small mono">{why.raw}</pre>}
    </Section>
  );
}
