import type { KubeEvent, Pod } from '../../../orchestrator/api/types.js';
import { Section } from '../../components/KeyValues.js';
import { podPulls, type PullState } from '../../graph/pullProgress.js';

const LABEL: Record<PullState, string> = { pulling: 'pulling', pulled: 'pulled', failed: 'failed', backoff: 'back-off' };
const TONE: Record<PullState, string> = { pulling: 'pending', pulled: 'running', failed: 'failed', backoff: 'failed' };

/** The pod's image pulls from the kubelet's events, with download progress while one runs. */
export function PodPulls({ pod, events }: { pod: Pod; events: readonly KubeEvent[] }) {
  const pulls = podPulls(pod, events);
  if (pulls.length === 0) return null;
  return (
    <Section title="Images">
      <ul className="plain-list pulls" data-testid="pod-pulls">
        {pulls.map((p) => {
          const pct = p.progress && p.progress.totalMb > 0 ? Math.min(100, Math.round((p.progress.doneMb / p.progress.totalMb) * 100)) : undefined;
          return (
            <li key={p.image} className="pull" data-testid={`pull-${p.image}`} data-state={p.state}>
              <div className="pull-head">
                <span className={`badge tone-bg-${TONE[p.state]}`}>{LABEL[p.state]}</span>
                <span className="mono small">{p.image}</span>
                {p.progress && (
                  <span className="muted small">
                    {p.progress.doneMb} of {p.progress.totalMb} MB
                  </span>
                )}
              </div>
              {pct !== undefined && (
                <div className="req-bar" role="progressbar" aria-label={`Pulling ${p.image}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
                  <span className="use-fill" style={{ width: `${pct}%` }} />
                </div>
              )}
              {p.state !== 'pulling' && <div className="muted small">{p.message}</div>}
            </li>
          );
        })}
      </ul>
    </Section>
  );
}
