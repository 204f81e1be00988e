import type { Pod } from '../../../orchestrator/api/types.js';
import { Section } from '../../components/KeyValues.js';
import { pendingReasons } from '../../graph/pendingReasons.js';

/** Why the scheduler has not placed the pod: its summary and a table of nodes and what rejected each. */
export function PodSchedulingReasons({ pod }: { pod: Pod }) {
  const why = pendingReasons(pod);
  if (!why) return null;
  return (
    <Section title="Why is it pending">
      {why.summary && (
        <div className="small pending-summary" data-testid="pending-summary">
          {why.summary}
        </div>
      )}
      {why.nodes.length > 0 && (
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
      {why.raw && <pre className="small mono">{why.raw}</pre>}
    </Section>
  );
}
