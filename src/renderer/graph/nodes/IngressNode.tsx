import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { IngressFlowNode } from '../types.js';
import { CardTitle } from './CardTitle.js';

/** Hosts as one line: the first two, then how many more. */
function hostLine(hosts: readonly string[], tls: readonly string[]): string {
  const shown = hosts.slice(0, 2).map((h) => (tls.includes(h) ? `${h} 🔒` : h));
  return hosts.length > 2 ? `${shown.join(', ')} +${hosts.length - 2}` : shown.join(', ');
}

/** An Ingress: its hosts, its address once the ingress controller took it, edges to the Services it routes to. */
function IngressNodeView({ data, selected }: NodeProps<IngressFlowNode>) {
  const missing = data.missingServices;
  return (
    <div className={`ingress${selected ? ' is-selected' : ''}${missing.length ? ' has-missing' : ''}`} data-testid={`ing-${data.namespace}-${data.name}`}>
      <div className="service-head">
        <span className="ingress-icon" aria-hidden>
          ⤓
        </span>
        <CardTitle name={data.name} title={`Ingress ${data.namespace}/${data.name}`} className="service-name" />
        <span className="badge badge-ingress detail">{data.className ?? 'Ingress'}</span>
      </div>
      <div className="service-meta detail" title={data.hosts.join('\n')}>
        {hostLine(data.hosts, data.tlsHosts) || 'no rules'}
      </div>
      <div className="service-meta detail" data-testid="ingress-state">
        {missing.length ? (
          <span className="warning-text" title={`No Service ${missing.join(', ')} in ${data.namespace}: requests routed to it fail`}>
            no Service {missing.join(', ')}
          </span>
        ) : data.addresses.length ? (
          <span title={data.addresses.join('\n')}>{`${data.addresses[0]}${data.addresses.length > 1 ? ` +${data.addresses.length - 1}` : ''} · ${data.routes} ${data.routes === 1 ? 'route' : 'routes'}`}</span>
        ) : (
          'no address yet'
        )}
        {data.namespace !== 'default' ? ` · ${data.namespace}` : ''}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} className="hidden-handle" />
    </div>
  );
}

export const IngressNode = memo(IngressNodeView);
