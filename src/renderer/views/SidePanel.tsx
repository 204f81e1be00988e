import { useApp, useServices } from '../store/context.js';
import { HostDetails } from './HostDetails.js';
import { NodeDetails } from './NodeDetails.js';
import { PodDetails } from './PodDetails.js';
import { ServiceDetails } from './ServiceDetails.js';
import { ObjectDetails } from './resources/ObjectDetails.js';

/** Details of what is selected on the canvas or in the hosts list. */
export function SidePanel() {
  const selection = useApp((s) => s.selection);
  const { store } = useServices();
  if (!selection) return null;
  return (
    <aside className="side-panel" data-testid="side-panel">
      <button className="icon-btn side-close" onClick={() => store.getState().select(null)} aria-label="Close details" data-testid="side-panel-close">
        ✕
      </button>
      {selection.type === 'pod' && <PodDetails key={selection.key} podKey={selection.key} />}
      {selection.type === 'node' && <NodeDetails key={selection.name} name={selection.name} />}
      {selection.type === 'service' && <ServiceDetails key={selection.key} svcKey={selection.key} />}
      {selection.type === 'host' && <HostDetails key={selection.name} name={selection.name} />}
      {selection.type === 'object' && <ObjectDetails key={`${selection.ref.group}/${selection.ref.resource}/${selection.ref.namespace ?? ''}/${selection.ref.name}`} objRef={selection.ref} />}
    </aside>
  );
}
