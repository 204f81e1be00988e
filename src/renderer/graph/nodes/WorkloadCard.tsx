import { memo, useCallback, type MouseEvent } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useServices } from '../../store/context.js';
import type { WorkloadFlowNode } from '../types.js';
import { CardTitle } from './CardTitle.js';
import { PhaseBar, phaseText } from './PhaseBar.js';
import { WorkloadUsageLine } from './UsageLine.js';

const ICON: Record<string, string> = { Deployment: '◆', ReplicaSet: '◇', StatefulSet: '▤', DaemonSet: '◈', Job: '▶', CronJob: '⟳', Pod: '○' };

/** The pods of one controller: a card with counts by state; the header folds it open or shut. */
function WorkloadCardView({ id, data }: NodeProps<WorkloadFlowNode>) {
  const { store } = useServices();
  const toggle = useCallback(
    (e: MouseEvent) => {
      e.stopPropagation();
      store.getState().setCardCollapsed(id, !data.collapsed);
    },
    [store, id, data.collapsed],
  );
  const logs = useCallback(
    (e: MouseEvent) => {
      e.stopPropagation();
      store.getState().openWorkloadLogs({ kind: data.kind, namespace: data.namespace, name: data.name });
    },
    [store, data.kind, data.namespace, data.name],
  );
  const testName = data.kind === 'Pod' ? `pods-${data.namespace}` : `${data.kind.toLowerCase()}-${data.namespace}-${data.name}`;
  return (
    <div className={`workload-card${data.collapsed ? ' is-collapsed' : ''}`} data-testid={`card-${testName}`} data-collapsed={data.collapsed} data-pods={data.podCount}>
      <Handle type="target" position={Position.Left} isConnectable={false} className="hidden-handle card-handle" />
      <div className="workload-head">
        <button className="card-toggle" onClick={toggle} aria-expanded={!data.collapsed} aria-label={`${data.collapsed ? 'Expand' : 'Collapse'} ${data.name}`} data-testid="card-toggle">
          {data.collapsed ? '▸' : '▾'}
        </button>
        <span className="workload-icon" aria-hidden>
          {ICON[data.kind] ?? '◇'}
        </span>
        <CardTitle name={data.name} title={`${data.kind} ${data.namespace}/${data.name}`} onClick={toggle} />
        <span className="muted small detail">{data.kind === 'Pod' ? data.namespace : `${data.kind}${data.namespace !== 'default' ? ` · ${data.namespace}` : ''}`}</span>
        <span className="spacer" />
        {data.kind !== 'Pod' && (
          <button className="btn btn-small btn-ghost detail" onClick={logs} data-testid="card-logs">
            Logs
          </button>
        )}
      </div>
      <div className="workload-sub">
        {data.rollout && (
          <span className={`card-rollout${data.rolloutStuck ? ' warning-text' : ''}`} title={data.rolloutTitle} data-testid="card-rollout">
            {data.rolloutStuck ? '⚠' : '⟳'} {data.rollout} ·{' '}
          </span>
        )}
        <span className="card-count" data-testid="card-counts">
          {data.podCount} {data.podCount === 1 ? 'pod' : 'pods'}
          {data.podCount > 0 ? ` · ${phaseText(data.phases)}` : ''}
        </span>
        <span className="muted detail">{data.nodeCount > 0 ? ` on ${data.nodeCount} ${data.nodeCount === 1 ? 'node' : 'nodes'}` : ''}</span>
      </div>
      {data.kind !== 'Pod' && <WorkloadUsageLine id={testName} podKeys={data.podKeys} requestCpu={data.requestCpu} requestMemory={data.requestMemory} />}
      {data.collapsed && <PhaseBar phases={data.phases} total={data.podCount} />}
    </div>
  );
}

export const WorkloadCard = memo(WorkloadCardView);
