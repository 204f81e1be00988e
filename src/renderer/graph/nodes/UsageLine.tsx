import { memo, useMemo } from 'react';
import { formatTopCpu, formatTopMemory, percentOf, sumPodUsage, type Usage } from '../../api/metrics.js';
import { useApp } from '../../store/context.js';

/**
 * CPU and memory use on a card, as `kubectl top` prints them. Subscribes to its own entry of the
 * metrics sample, so a poll redraws only the cards whose numbers moved (never the layout).
 * Absent metrics say so (`—`), never 0.
 */
function UsageText({ u, testId }: { u: Usage | undefined; testId: string }) {
  return (
    <div className="usage-line detail" data-testid={testId} data-cpu={u ? formatTopCpu(u.cpu) : ''} data-memory={u ? formatTopMemory(u.memory) : ''} title={u ? 'CPU and memory in use (metrics.k8s.io)' : 'No metrics yet'}>
      <span aria-label="CPU">⚙ {u ? formatTopCpu(u.cpu) : '—'}</span>
      <span aria-label="Memory">▦ {u ? formatTopMemory(u.memory) : '—'}</span>
    </div>
  );
}

export const NodeUsageLine = memo(function NodeUsageLine({ name }: { name: string }) {
  const u = useApp((s) => s.usage.nodes[name]);
  const live = useApp((s) => s.usage.state === 'live');
  if (!live) return null;
  return <UsageText u={u} testId={`node-usage-${name}`} />;
});

/** Only for running pods: a pending or finished pod has no usage to wait for. */
export const PodUsageLine = memo(function PodUsageLine({ namespace, name }: { namespace: string; name: string }) {
  const u = useApp((s) => s.usage.pods[`${namespace}/${name}`]);
  const live = useApp((s) => s.usage.state === 'live');
  if (!live) return null;
  return <UsageText u={u} testId={`pod-usage-${namespace}-${name}`} />;
});

/** `250m`, or `250m / 500m (50%)` against a request (the percentage truncated, as `kubectl top` does). */
export function usageVsRequest(used: string, usedN: number, requested: number, format: (n: number) => string): string {
  return requested > 0 ? `${used} / ${format(requested)} (${percentOf(usedN, requested) ?? 0}%)` : used;
}

/**
 * A workload card's summed usage: the sum over its pods that have a sample, against the sum of
 * their requests where the pods set them. Subscribes to one string per card (equal strings are
 * equal to the store), so a poll redraws only the cards whose sums moved.
 */
export const WorkloadUsageLine = memo(function WorkloadUsageLine({ id, podKeys, requestCpu, requestMemory }: { id: string; podKeys: string; requestCpu: number; requestMemory: number }) {
  const keys = useMemo(() => (podKeys ? podKeys.split('\n') : []), [podKeys]);
  const sum = useApp((s) => {
    const u = sumPodUsage(s.usage.pods, keys);
    return `${u.cpu} ${u.memory} ${u.sampled}`;
  });
  const live = useApp((s) => s.usage.state === 'live');
  if (!live) return null;
  const [cpu, memory, sampled] = sum.split(' ').map(Number) as [number, number, number];
  const has = sampled > 0;
  const c = has ? usageVsRequest(formatTopCpu(cpu), cpu, requestCpu, formatTopCpu) : '—';
  const m = has ? usageVsRequest(formatTopMemory(memory), memory, requestMemory, formatTopMemory) : '—';
  return (
    <div className="usage-line detail" data-testid={`workload-usage-${id}`} data-cpu={has ? formatTopCpu(cpu) : ''} data-memory={has ? formatTopMemory(memory) : ''} data-sampled={sampled} title={has ? `CPU and memory in use by ${sampled} of its pods (metrics.k8s.io)${requestCpu || requestMemory ? ', against their requests' : ''}` : 'No metrics yet'}>
      <span aria-label="CPU">⚙ {c}</span>
      <span aria-label="Memory">▦ {m}</span>
    </div>
  );
});
