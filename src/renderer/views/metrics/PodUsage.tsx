import './metrics.css';
import type { Pod } from '../../../orchestrator/api/types.js';
import { formatTopCpu, formatTopMemory } from '../../api/metrics.js';
import { Section } from '../../components/KeyValues.js';
import { podRequests } from '../../graph/capacity.js';
import { useApp } from '../../store/context.js';

/**
 * A pod's CPU and memory use (metrics.k8s.io), in total and per container, next to what it
 * requests; units as `kubectl top pod --containers` prints them. No sample: says so, never 0.
 */
export function PodUsage({ pod }: { pod: Pod }) {
  const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  const u = useApp((s) => s.usage.pods[key]);
  const state = useApp((s) => s.usage.state);
  const req = podRequests(pod);
  const why = state === 'unavailable' ? 'the metrics API (metrics.k8s.io) is not served' : pod.status?.phase !== 'Running' ? 'only running pods have usage' : 'no sample yet (metrics are scraped every 15 s)';
  return (
    <Section title="Usage">
      {u ? (
        <table className="table usage-table" data-testid="pod-usage" data-cpu={formatTopCpu(u.cpu)} data-memory={formatTopMemory(u.memory)}>
          <thead>
            <tr>
              <th />
              <th>CPU(cores)</th>
              <th>MEMORY(bytes)</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>pod</td>
              <td>{formatTopCpu(u.cpu)}</td>
              <td>{formatTopMemory(u.memory)}</td>
            </tr>
            {Object.entries(u.containers).map(([name, c]) => (
              <tr key={name} data-testid={`container-usage-${name}`}>
                <td>{name}</td>
                <td>{formatTopCpu(c.cpu)}</td>
                <td>{formatTopMemory(c.memory)}</td>
              </tr>
            ))}
            <tr className="muted">
              <td>requested</td>
              <td>{req.cpu ? formatTopCpu(req.cpu) : '—'}</td>
              <td>{req.memory ? formatTopMemory(req.memory) : '—'}</td>
            </tr>
          </tbody>
        </table>
      ) : (
        <div className="muted small" data-testid="pod-usage-absent">
          No usage: {why}.
        </div>
      )}
    </Section>
  );
}
