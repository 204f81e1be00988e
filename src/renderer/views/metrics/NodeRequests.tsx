import './metrics.css';
import { useMemo } from 'react';
import type { Node } from '../../../orchestrator/api/types.js';
import { formatTopCpu, formatTopMemory, percentOf } from '../../api/metrics.js';
import { Section } from '../../components/KeyValues.js';
import { nodeAllocation, type Allocation } from '../../graph/capacity.js';
import { useApp } from '../../store/context.js';

interface BarProps {
  label: string;
  a: Allocation;
  /** Undefined: no metrics sample (shown as absent, not as 0). */
  used: number | undefined;
  /** False for pod slots: the metrics API says nothing about them. */
  hasUsage: boolean;
  format(n: number): string;
  testId: string;
}

function Bar({ label, a, used, hasUsage, format, testId }: BarProps) {
  const pct = percentOf(a.requested, a.allocatable);
  const usedPct = used === undefined ? undefined : percentOf(used, a.allocatable);
  const tone = (p: number | undefined) => (p === undefined ? '' : p > 100 ? ' over' : p > 85 ? ' high' : '');
  // `N requested of M (p%)` as before; usage in front of it when there is a sample.
  const requested = `${format(a.requested)} requested of ${a.allocatable === undefined ? 'unknown' : format(a.allocatable)}${pct !== undefined ? ` (${pct}%)` : ''}`;
  const summary = hasUsage ? `${used === undefined ? '—' : format(used)} used${usedPct !== undefined ? ` (${usedPct}%)` : ''} · ${requested}` : requested;
  return (
    <div className="req-row" data-testid={testId} data-percent={pct ?? ''} data-usage-percent={usedPct ?? ''} data-used={used === undefined ? '' : format(used)}>
      <div className="req-label">
        <span>{label}</span>
        <span className="muted small">{summary}</span>
      </div>
      <div className="req-bar" role="meter" aria-label={`${label}: ${summary}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={usedPct ?? pct}>
        <span className={`req-fill${tone(pct)}`} style={{ width: `${Math.min(100, pct ?? 0)}%` }} />
        {usedPct !== undefined && <span className={`use-fill${tone(usedPct)}`} style={{ width: `${Math.min(100, usedPct)}%` }} />}
      </div>
    </div>
  );
}

/**
 * What a node's pods request, what the node uses (metrics.k8s.io, at its resolution) and what it
 * can allocate: CPU and memory, and pod slots. Units as `kubectl top` prints them.
 */
export function NodeRequests({ node }: { node: Node }) {
  const pods = useApp((s) => s.cluster.pods);
  const name = node.metadata.name ?? '';
  const usage = useApp((s) => s.usage.nodes[name]);
  const state = useApp((s) => s.usage.state);
  const a = useMemo(() => nodeAllocation(node, pods), [node, pods]);
  return (
    <Section title="Requests, usage and allocatable">
      <div className="req" data-testid="node-requests">
        <Bar label="CPU" a={a.cpu} used={usage?.cpu} hasUsage format={formatTopCpu} testId="node-requests-cpu" />
        <Bar label="Memory" a={a.memory} used={usage?.memory} hasUsage format={formatTopMemory} testId="node-requests-memory" />
        <Bar label="Pods" a={a.pods} used={undefined} hasUsage={false} format={(n) => String(n)} testId="node-requests-pods" />
        <div className="req-legend muted small">
          <span className="req-key req-key-use" aria-hidden /> used <span className="req-key req-key-req" aria-hidden /> requested
          {!usage && <span data-testid="node-usage-absent"> · {state === 'unavailable' ? 'the metrics API (metrics.k8s.io) is not served' : state === 'live' ? 'no usage sample for this node yet' : 'waiting for metrics'}</span>}
        </div>
      </div>
    </Section>
  );
}
