import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { NodeCardFlowNode } from '../types.js';
import { CardTitle } from './CardTitle.js';
import { PhaseBar } from './PhaseBar.js';
import { NodeUsageLine } from './UsageLine.js';

/** A cluster Node: readiness, address, and its pods by state. Click for its details. */
function NodeCardView({ data, selected }: NodeProps<NodeCardFlowNode>) {
  const state = data.readiness.toLowerCase();
  return (
    <div className={`node-card state-${state}${selected ? ' is-selected' : ''}`} data-testid={`node-${data.name}`} data-ready={data.readiness}>
      <div className="node-card-head">
        <span className="node-card-icon" aria-hidden>
          ▣
        </span>
        <CardTitle name={data.name} short={data.short} title={data.name} className="node-card-name" />
        <span className={`badge badge-${state} detail`} data-testid={`node-status-${data.name}`}>
          {data.readiness}
        </span>
      </div>
      <div className="node-card-sub detail">
        {data.address ? `${data.address} · ` : ''}
        {data.podCount} {data.podCount === 1 ? 'pod' : 'pods'}
        {data.unschedulable && <span className="badge badge-muted">Cordoned</span>}
        {data.missing && <span className="badge badge-muted">No Node object</span>}
      </div>
      <NodeUsageLine name={data.name} />
      <PhaseBar phases={data.phases} total={data.podCount} />
    </div>
  );
}

export const NodeCard = memo(NodeCardView);
