import { podContainerStatus } from '../../orchestrator/api/podutil.js';
import type { Container, ContainerStatus, Pod } from '../../orchestrator/api/types.js';
import { deletePod, showWorkloadLogs } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { KeyValues, Labels, Section } from '../components/KeyValues.js';
import { age } from '../components/time.js';
import { isFailingReason, podDisplay } from '../graph/podStatus.js';
import { useApp, useServices } from '../store/context.js';
import { EventList } from './EventList.js';
import { PodPortForwards } from './portforward/ForwardButtons.js';
import { PodUsage } from './metrics/PodUsage.js';
import { PodSchedulingReasons } from './pending/PodSchedulingReasons.js';
import { PodPulls } from './pull/PodPulls.js';
import { ShellButton } from './terminal/ShellButton.js';
import { ObjectExtras } from './resources/ObjectDetails.js';
import { ObjectActions } from './resources/ObjectActions.js';
import { LogView } from './LogView.js';
import { useEventsFor } from './useEventsFor.js';

/** One group of a pod's containers (init, app or ephemeral): state, image, a shell when it runs. */
function Containers({ pod, list, ephemeral = false }: { pod: Pod; list: Container[]; ephemeral?: boolean }) {
  return (
    <ul className="containers">
      {list.map((c) => (
        <li key={c.name} className="container" data-testid={`container-${c.name}`}>
          <div className="container-head">
            <b>{c.name}</b>
            <ContainerState status={podContainerStatus(pod, c.name)} ephemeral={ephemeral} />
            <ShellButton pod={pod} container={c.name} />
          </div>
          <div className="muted small mono">{c.image}</div>
          <ContainerWhy status={podContainerStatus(pod, c.name)} />
        </li>
      ))}
    </ul>
  );
}

/** A pod: status, placement, containers, labels, events, and its live logs below. */
export function PodDetails({ podKey }: { podKey: string }) {
  const pod = useApp((s) => s.cluster.pods[podKey]);
  const ctx = useServices();
  const [namespace, name] = splitPodKey(podKey);
  const events = useEventsFor('Pod', namespace, name);
  if (!pod) return <div className="panel-empty">Pod {podKey} is gone.</div>;
  const d = podDisplay(pod);
  return (
    <div className="details details-split" data-testid="pod-details">
      <div className="details-scroll">
        <div className="details-title">
          <span className={`dot tone-${d.tone}`} />
          <h2 title={name}>{name}</h2>
          <span className={`badge tone-bg-${d.tone}`} data-testid="pod-status">
            {d.status}
          </span>
        </div>
        <div className="actions">
          {showWorkloadLogs.enabled(ctx) && (
            <button className="btn btn-small" onClick={() => void runCommand(showWorkloadLogs, ctx)} data-testid="workload-logs-button">
              Workload logs
            </button>
          )}
          <button className="btn btn-small btn-danger" disabled={!deletePod.enabled(ctx)} onClick={() => void runCommand(deletePod, ctx)} data-testid="delete-pod-button">
            Delete pod
          </button>
        </div>
        <ObjectActions object={pod} />
        <KeyValues
          rows={[
            ['Namespace', namespace],
            ['Phase', <span data-testid="pod-phase">{pod.status?.phase ?? 'Pending'}</span>],
            ['Node', pod.spec.nodeName ?? <span className="muted">not scheduled</span>],
            ['Pod IP', pod.status?.podIP],
            ['Host IP', pod.status?.hostIP],
            ['Ready', d.ready],
            ['Restarts', String(d.restarts)],
            ['Age', age(pod.metadata.creationTimestamp, Date.now())],
            ['Owner', pod.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`).join(', ')],
            ['Message', pod.status?.message],
          ]}
        />
        {pod.spec.initContainers?.length ? (
          <Section title="Init containers">
            <Containers pod={pod} list={pod.spec.initContainers} />
          </Section>
        ) : null}
        <Section title="Containers">
          <Containers pod={pod} list={pod.spec.containers} />
        </Section>
        {pod.spec.ephemeralContainers?.length ? (
          <Section title="Debug containers (ephemeral)">
            <Containers pod={pod} list={pod.spec.ephemeralContainers} ephemeral />
          </Section>
        ) : null}
        <PodPulls pod={pod} events={events} />
        <PodUsage pod={pod} />
        <PodPortForwards pod={pod} />
        <PodSchedulingReasons pod={pod} />
        <Section title="Labels">
          <Labels labels={pod.metadata.labels} />
        </Section>
        <ObjectExtras object={pod} />
        <Section title={`Events (${events.length})`}>
          <EventList events={events} testId="pod-events" />
        </Section>
      </div>
      <LogView pod={pod} />
    </div>
  );
}

/** A container's state; an ephemeral (debug) container is never ready by design, so running is all it says. */
function ContainerState({ status, ephemeral }: { status: ContainerStatus | undefined; ephemeral: boolean }) {
  if (!status) return <span className="badge badge-muted">waiting</span>;
  const st = status.state ?? {};
  let text = 'unknown';
  let tone = 'unknown';
  if (st.running) [text, tone] = [status.ready || ephemeral ? 'running' : 'running, not ready', status.ready || ephemeral ? 'running' : 'pending'];
  else if (st.waiting) [text, tone] = [st.waiting.reason ?? 'waiting', isFailingReason(st.waiting.reason) ? 'failed' : 'pending'];
  else if (st.terminated) [text, tone] = [`${st.terminated.reason ?? 'terminated'} (exit ${st.terminated.exitCode})`, st.terminated.exitCode === 0 ? 'succeeded' : 'failed'];
  return (
    <span className="container-state">
      <span className={`badge tone-bg-${tone}`}>{text}</span>
      <span className="muted small">restarts {status.restartCount}</span>
    </span>
  );
}

/** Why a container is not running, and how its last run ended: what a user needs before the events. */
function ContainerWhy({ status }: { status: ContainerStatus | undefined }) {
  const waiting = status?.state?.waiting?.message;
  const last = status?.lastState?.terminated;
  if (!waiting && !last) return null;
  return (
    <div className="container-why small" data-testid="container-why">
      {waiting && <div className="container-message">{waiting}</div>}
      {last && (
        <div className="muted">
          Last run: {last.reason ?? 'Terminated'}, exit code {last.exitCode}
          {last.finishedAt ? ` · finished ${age(last.finishedAt, Date.now())} ago` : ''}
          {last.message ? ` · ${last.message}` : ''}
        </div>
      )}
    </div>
  );
}

function splitPodKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
