import { memo } from 'react';
import { formatTopCpu, formatTopMemory, type Usage } from '../../api/metrics.js';
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
