import './metrics.css';
import { useMemo } from 'react';
import type { Node } from '../../../orchestrator/api/types.js';
import { Section } from '../../components/KeyValues.js';
import { formatBytes, formatCpu, nodeAllocation, type Allocation } from '../../graph/capacity.js';
import { useApp } from '../../store/context.js';

function Bar({ label, a, format, testId }: { label: string; a: Allocation; format(n: number): string; testId: string }) {
  const pct = a.allocatable ? (a.requested / a.allocatable) * 100 : undefined;
  const tone = pct === undefined ? '' : pct > 100 ? ' over' : pct > 85 ? ' high' : '';
  return (
    <div className="req-row" data-testid={testId} data-percent={pct === undefined ? '' : Math.round(pct)}>
      <div className="req-label">
        <span>{label}</span>
        <span className="muted small">
          {format(a.requested)} requested of {a.allocatable === undefined ? 'unknown' : format(a.allocatable)}
          {pct !== undefined ? ` (${Math.round(pct)}%)` : ''}
        </span>
      </div>
      <div className="req-bar" role="meter" aria-label={`${label} requested`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === undefined ? undefined : Math.round(pct)}>
        <span className={`req-fill${tone}`} style={{ width: `${Math.min(100, pct ?? 0)}%` }} />
      </div>
    </div>
  );
}

/**
 * What a node's pods request against what it can allocate: CPU, memory, pod slots. Usage is not
 * shown: it needs the metrics API (metrics.k8s.io), which this cluster does not serve yet.
 */
export function NodeRequests({ node }: { node: Node }) {
  const pods = useApp((s) => s.cluster.pods);
  const a = useMemo(() => nodeAllocation(node, pods), [node, pods]);
  return (
    <Section title="Requests vs allocatable">
      <div className="req" data-testid="node-requests">
        <Bar label="CPU" a={a.cpu} format={formatCpu} testId="node-requests-cpu" />
        <Bar label="Memory" a={a.memory} format={formatBytes} testId="node-requests-memory" />
        <Bar label="Pods" a={a.pods} format={(n) => String(n)} testId="node-requests-pods" />
        <div className="muted small">Usage needs the metrics API (metrics.k8s.io), not served yet.</div>
      </div>
    </Section>
  );
}
