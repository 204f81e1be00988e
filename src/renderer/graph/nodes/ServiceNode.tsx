import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { ServiceFlowNode } from '../types.js';
import { CardTitle } from './CardTitle.js';

/** A Service, with edges to the pods it selects. */
function ServiceNodeView({ data, selected }: NodeProps<ServiceFlowNode>) {
  return (
    <div className={`service${selected ? ' is-selected' : ''}`} data-testid={`svc-${data.namespace}-${data.name}`} data-pods={data.podCount}>
      {/* Where an Ingress's edge arrives. */}
      <Handle type="target" position={Position.Left} isConnectable={false} className="hidden-handle" />
      <div className="service-head">
        <span className="service-icon" aria-hidden>
          ⇄
        </span>
        <CardTitle name={data.name} short={data.short} title={`${data.namespace}/${data.name}`} className="service-name" />
        <span className="badge badge-service detail">{data.type}</span>
      </div>
      <div className="service-meta detail">{[data.clusterIP, data.ports].filter(Boolean).join(' · ') || 'no ports'}</div>
      <div className="service-meta detail">
        {data.endpointCount !== undefined
          ? `${data.endpointCount} ${data.endpointCount === 1 ? 'endpoint' : 'endpoints'}`
          : `${data.podCount} ${data.podCount === 1 ? 'pod' : 'pods'}`}
        {data.namespace !== 'default' ? ` · ${data.namespace}` : ''}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} className="hidden-handle" />
    </div>
  );
}

export const ServiceNode = memo(ServiceNodeView);
