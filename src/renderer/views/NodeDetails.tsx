import { useMemo } from 'react';
import { objectKey } from '../../orchestrator/api/resources.js';
import type { Pod } from '../../orchestrator/api/types.js';
import { cordonNode, openHostShell, uncordonNode } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { KeyValues, Labels, Section } from '../components/KeyValues.js';
import { VirtualList } from '../components/VirtualList.js';
import { age } from '../components/time.js';
import { nodeReadiness, podDisplay } from '../graph/podStatus.js';
import { useApp, useServices } from '../store/context.js';
import { EventList } from './EventList.js';
import { NodeRequests } from './metrics/NodeRequests.js';
import { NodeNetwork } from './network/NodeNetwork.js';
import { ObjectActions } from './resources/ObjectActions.js';
import { useEventsFor } from './useEventsFor.js';

/** A node: readiness, conditions, capacity, addresses, system info, taints and its pods. */
export function NodeDetails({ name }: { name: string }) {
  const node = useApp((s) => s.cluster.nodes[name]);
  const allPods = useApp((s) => s.cluster.pods);
  const ctx = useServices();
  const events = useEventsFor('Node', undefined, name);
  const pods = useMemo(() => Object.values(allPods).filter((p) => p.spec?.nodeName === name), [allPods, name]);
  if (!node) return <div className="panel-empty">Node {name} is gone.</div>;
  const readiness = nodeReadiness(node);
  const info = node.status?.nodeInfo;
  const cap = node.status?.capacity ?? {};
  const alloc = node.status?.allocatable ?? {};
  return (
    <div className="details" data-testid="node-details">
      <div className="details-title">
        <span className={`dot ready-${readiness.toLowerCase()}`} />
        <h2>{name}</h2>
        <span className={`badge badge-${readiness.toLowerCase()}`} data-testid="node-ready">
          {readiness}
        </span>
        {node.spec?.unschedulable && <span className="badge badge-muted">Cordoned</span>}
      </div>
      <div className="actions">
        {openHostShell.enabled(ctx) && (
          <button className="btn btn-small" onClick={() => void runCommand(openHostShell, ctx)} data-testid="host-shell-button">
            Host shell
          </button>
        )}
        {node.spec?.unschedulable ? (
          <button className="btn btn-small" onClick={() => void runCommand(uncordonNode, ctx)} data-testid="uncordon-button">
            Uncordon
          </button>
        ) : (
          <button className="btn btn-small" onClick={() => void runCommand(cordonNode, ctx)} data-testid="cordon-button">
            Cordon
          </button>
        )}
      </div>
      <ObjectActions object={node} />
      <KeyValues
        rows={[
          ['OS', info ? `${info.osImage ?? info.operatingSystem ?? ''} ${info.architecture ?? ''}`.trim() : undefined],
          ['Kernel', info?.kernelVersion],
          ['Runtime', info?.containerRuntimeVersion],
          ['Agent', info?.kubeletVersion],
          ['Age', age(node.metadata.creationTimestamp, Date.now())],
        ]}
      />
      <NodeNetwork node={node} />
      <NodeRequests node={node} />
      <Section title="Conditions">
        <table className="table" data-testid="node-conditions">
          <tbody>
            {(node.status?.conditions ?? []).map((c) => (
              <tr key={c.type}>
                <td>{c.type}</td>
                <td className={`cond-${c.status.toLowerCase()}`}>{c.status}</td>
                <td className="muted small">{c.reason}</td>
                <td className="muted small">{age(c.lastHeartbeatTime ?? c.lastTransitionTime, Date.now())}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Capacity">
        <table className="table">
          <thead>
            <tr>
              <th />
              <th>capacity</th>
              <th>allocatable</th>
            </tr>
          </thead>
          <tbody>
            {Object.keys({ ...cap, ...alloc }).sort().map((k) => (
              <tr key={k}>
                <td>{k}</td>
                <td className="mono">{cap[k]}</td>
                <td className="mono">{alloc[k]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {(node.spec?.taints?.length ?? 0) > 0 && (
        <Section title="Taints">
          <div className="labels">
            {node.spec?.taints?.map((t) => (
              <span className="label-chip" key={`${t.key}:${t.effect}`}>
                {t.key}
                {t.value ? `=${t.value}` : ''}:{t.effect}
              </span>
            ))}
          </div>
        </Section>
      )}
      <Section title="Labels">
        <Labels labels={node.metadata.labels} />
      </Section>
      <Section title={`Pods (${pods.length})`}>
        <VirtualList items={pods} rowHeight={28} className="pod-list" testId="node-pods" render={(p) => <PodRow pod={p} />} />
      </Section>
      <Section title={`Events (${events.length})`}>
        <EventList events={events} />
      </Section>
    </div>
  );
}

function PodRow({ pod }: { pod: Pod }) {
  const { store } = useServices();
  const d = podDisplay(pod);
  const key = objectKey(pod.metadata.namespace, pod.metadata.name ?? '');
  return (
    <button className="pod-row" onClick={() => store.getState().select({ type: 'pod', key })}>
      <span className={`dot tone-${d.tone}`} />
      <span className="pod-row-name">{key}</span>
      <span className="muted small">{d.status}</span>
    </button>
  );
}
