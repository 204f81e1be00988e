import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { ServiceFlowNode } from '../types.js';
import { CardTitle } from './CardTitle.js';

/**
 * How many pods it sends to: all of them when all are ready; otherwise how many are (a rollout, a
 * failing probe); none at all is the classic wrong selector, said in warning colour.
 */
function PodsLine({ pods, ready }: { pods: number; ready: number }) {
  if (pods === 0) return <span className="warning-text" title="No pod in its namespace has every label of its selector">no pods match</span>;
  if (ready === pods) return <>{`${pods} ${pods === 1 ? 'pod' : 'pods'}`}</>;
  return <span className={ready === 0 ? 'warning-text' : undefined} data-testid="svc-ready">{`${ready} of ${pods} pods ready`}</span>;
}

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
        {data.endpointCount !== undefined ? `${data.endpointCount} ${data.endpointCount === 1 ? 'endpoint' : 'endpoints'}` : <PodsLine pods={data.podCount} ready={data.readyCount} />}
        {data.namespace !== 'default' ? ` · ${data.namespace}` : ''}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} className="hidden-handle" />
    </div>
  );
}

export const ServiceNode = memo(ServiceNodeView);
