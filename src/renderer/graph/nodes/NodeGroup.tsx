import { memo, useCallback } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useApp, useServices } from '../../store/context.js';
import type { GroupFlowNode } from '../types.js';
import { PodTiles } from './PodTiles.js';

/** A cluster Node: a titled box that holds its pods. */
function NodeGroupView({ data, selected }: NodeProps<GroupFlowNode>) {
  const unscheduled = data.readiness === 'Unscheduled';
  const state = unscheduled ? 'unscheduled' : data.readiness.toLowerCase();
  const { store } = useServices();
  // Only compact groups care which pod is selected (their tiles show it).
  const selectedKey = useApp((s) => (data.tiles && s.selection?.type === 'pod' ? s.selection.key : undefined));
  const pick = useCallback((key: string) => store.getState().select({ type: 'pod', key }), [store]);
  return (
    <div
      className={`node-group state-${state}${selected ? ' is-selected' : ''}`}
      data-testid={unscheduled ? 'node-group-unscheduled' : `node-${data.name}`}
      data-ready={data.readiness}
    >
      <div className="node-group-header">
        <span className="node-group-icon" aria-hidden>
          {unscheduled ? '◌' : '▣'}
        </span>
        <span className="node-group-name" title={data.name}>
          {data.name}
        </span>
        {!unscheduled && (
          <span className={`badge badge-${state}`} data-testid={`node-status-${data.name}`}>
            {data.readiness}
          </span>
        )}
        {data.unschedulable && <span className="badge badge-muted">Cordoned</span>}
        {data.missing && <span className="badge badge-muted">No Node object</span>}
      </div>
      <div className="node-group-sub">
        {data.address ? `${data.address} · ` : ''}
        {data.podCount} {data.podCount === 1 ? 'pod' : 'pods'}
      </div>
      {data.podCount === 0 && <div className="node-group-empty">No pods</div>}
      {data.tiles && <PodTiles tiles={data.tiles} selectedKey={selectedKey} onPick={pick} />}
      <Handle type="target" position={Position.Left} isConnectable={false} className="hidden-handle" />
    </div>
  );
}

export const NodeGroup = memo(NodeGroupView);
