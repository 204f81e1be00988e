import { useCallback, useMemo, useState } from 'react';
import type { Pod } from '../../../orchestrator/api/types.js';
import { Section } from '../../components/KeyValues.js';
import { claimNamesOf, claimWaits, pendingReasons, type ClaimRead, type ClaimWait } from '../../graph/pendingReasons.js';
import { useApp } from '../../store/context.js';
import { ClaimReaders } from './ClaimReaders.js';
import { withRead } from './claimReads.js';

/**
 * Why the scheduler has not placed the pod: its summary and a table of nodes and what rejected
 * each; and the claims it waits for, each with its phase and the latest event about it (why
 * provisioning is slow), or why it cannot be bound at all (it does not exist).
 */
export function PodSchedulingReasons({ pod }: { pod: Pod }) {
  const events = useApp((s) => s.cluster.events);
  const [reads, setReads] = useState<ReadonlyMap<string, ClaimRead>>(() => new Map());
  const onRead = useCallback((name: string, read: ClaimRead | undefined) => setReads((m) => withRead(m, name, read)), []);
  // Only a pod not yet on a node waits for its claims: stop reading them once it is placed.
  const names = useMemo(() => (pod.spec.nodeName ? [] : claimNamesOf(pod)), [pod]);
  const claims = useMemo(() => claimWaits(pod, Object.values(events), reads), [pod, events, reads]);
  const why = pendingReasons(pod);
  return (
    <>
      <ClaimReaders namespace={pod.metadata.namespace ?? 'default'} names={names} onRead={onRead} />
      {(why || claims.length > 0) && (
        <Section title="Why is it pending">
          {claims.length > 0 && <ClaimWaits claims={claims} />}
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
      )}
    </>
  );
}

/** The claims the pod waits for; a problem (a missing claim) stands in for the phase and the event. */
function ClaimWaits({ claims }: { claims: readonly ClaimWait[] }) {
  return (
    <table className="table" data-testid="pending-claims">
      <thead>
        <tr>
          <th>Claim</th>
          <th>Phase</th>
          <th>Latest event</th>
        </tr>
      </thead>
      <tbody>
        {claims.map((c) => (
          <tr key={c.claim} data-testid={`pending-claim-${c.claim}`} data-phase={c.phase ?? ''}>
            <td className="mono">{c.claim}</td>
            {c.problem ? (
              <td colSpan={2} className="claim-warning">
                {c.problem}
              </td>
            ) : (
              <>
                <td className={c.phase === 'Lost' ? 'claim-warning' : c.phase ? undefined : 'muted'}>{c.phase ?? 'reading…'}</td>
                <td className={c.latest?.type === 'Warning' ? 'claim-warning' : undefined}>{c.latest ? `${c.latest.reason}: ${c.latest.message}` : 'no events yet'}</td>
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
