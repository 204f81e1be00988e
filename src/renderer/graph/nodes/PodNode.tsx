import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { PodFlowNode } from '../types.js';
import { PullLine } from './PullLine.js';
import { PodUsageLine } from './UsageLine.js';

/** One pod: a chip coloured by its status. */
function PodNodeView({ data, selected }: NodeProps<PodFlowNode>) {
  return (
    <div
      className={`pod tone-${data.tone}${selected ? ' is-selected' : ''}`}
      data-testid={`pod-${data.namespace}-${data.name}`}
      data-phase={data.phase}
      data-status={data.status}
      data-node={data.node ?? ''}
      title={`${data.namespace}/${data.name} · ${data.status} · ready ${data.ready} · restarts ${data.restarts}${data.node ? ` · on ${data.node}` : ''}`}
    >
      <span className="pod-dot" aria-hidden />
      <div className="pod-text">
        <div className="pod-name">{data.name}</div>
        <div className="pod-meta">
          <span className="pod-status">{data.status}</span>
          <span>{data.ready}</span>
          {data.restarts > 0 && <span className="pod-restarts">↻{data.restarts}</span>}
          <span className="pod-node">{data.node ?? 'unscheduled'}</span>
        </div>
        {data.phase === 'Running' ? <PodUsageLine namespace={data.namespace} name={data.name} /> : <PullLine namespace={data.namespace} name={data.name} />}
      </div>
    </div>
  );
}

export const PodNode = memo(PodNodeView);
