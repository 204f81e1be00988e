import { isConflict, isNotFound } from '../../api/errors.js';
import type { Container, ContainerStateWaiting, Pod } from '../../api/types.js';
import { LABELS, isTerminated } from '../runtime/types.js';
import { Backoff } from './backoff.js';
import { containerHash, groupInstances, nodeSelector, podPorts, shouldRestart, toCreateSpec, toInstance, type Instance } from './containers.js';
import { ImagePuller } from './imagePuller.js';
import { buildPodStatus, sameStatus } from './podStatus.js';
import type { KubeletDeps } from './types.js';

/**
 * Makes the engine match one pod, as the kubelet's `SyncPod`: starts what should run, restarts what
 * died (per restartPolicy, with crash-loop back-off), replaces containers whose spec changed, keeps
 * one previous run of each container for `--previous` logs, and writes the pod's status when it
 * changed. Running containers found on the engine are adopted by their labels, never recreated.
 * Calls for one pod must not overlap (the work queue guarantees it).
 */
export class PodSyncer {
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  private readonly puller: ImagePuller;

  constructor(private readonly d: KubeletDeps) {
    this.crashBackoff = new Backoff(d.clock);
    this.pullBackoff = new Backoff(d.clock);
    this.puller = new ImagePuller(d.runtime, d.recorder, this.pullBackoff, d.clock, d.log);
  }

  /** Syncs a live pod; returns the ms after which it wants to run again (back-off), if any. */
  async sync(pod: Pod): Promise<number | undefined> {
    const phase = pod.status?.phase;
    // A finished pod never runs again; its containers stay for their logs until the pod is deleted.
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    const groups = groupInstances(await this.observe(pod));
    const waiting = new Map<string, ContainerStateWaiting>();
    let requeue: number | undefined;
    const later = (ms: number | undefined) => {
      if (ms !== undefined && ms > 0) requeue = Math.min(requeue ?? ms, ms);
    };
    let ownerId: string | undefined;
    let acted = false;
    for (const [index, c] of pod.spec.containers.entries()) {
      const list = groups.get(c.name) ?? [];
      const newest = list[0];
      const r = await this.syncContainer(pod, c, index, list, ownerId, waiting, later);
      acted ||= r.acted;
      // The network owner: what this sync started, else what already ran and was left alone.
      if (index === 0) ownerId = r.started ?? (!r.acted && newest?.details.running ? newest.details.id : undefined);
    }
    // Only look at the engine again when this sync changed something on it.
    await this.writeStatus(pod, waiting, acted ? undefined : groups);
    return requeue;
  }

  /** One container of the pod: whether it changed anything on the engine, and the id of a container it started. */
  private async syncContainer(
    pod: Pod,
    c: Container,
    index: number,
    list: Instance[],
    ownerId: string | undefined,
    waiting: Map<string, ContainerStateWaiting>,
    later: (ms: number | undefined) => void,
  ): Promise<{ acted: boolean; started?: string }> {
    const { runtime, recorder, clock } = this.d;
    const none = { acted: false };
    const newest = list[0];
    if (newest?.details.running) {
      if (newest.hash === containerHash(c)) return none;
      recorder.record(pod, 'Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`);
      await runtime.stop(newest.details.id, gracePeriod(pod));
    } else if (newest && newest.details.state === 'created' && !newest.details.error) {
      // Created but never started (the agent stopped in between): start it rather than make another.
      return this.start(pod, c, newest.details.id);
    } else if (newest && isTerminated(newest.details)) {
      if (!shouldRestart(pod, newest.details.exitCode)) return none;
      const key = `${pod.metadata.uid}/${c.name}`;
      const finished = newest.details.finishedAt ?? clock.now();
      const left = this.crashBackoff.remaining(key, finished);
      if (left > 0) {
        const m = pod.metadata;
        const secs = Math.round(this.crashBackoff.current(key) / 1000);
        waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${secs}s restarting failed container=${c.name} pod=${m.name}_${m.namespace}(${m.uid})` });
        recorder.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${m.name}_${m.namespace}(${m.uid})`);
        later(left);
        return none;
      }
      this.crashBackoff.next(key, finished);
    }
    // A pull can take minutes: publish a first (Pending) status before it starts.
    const image = await this.puller.ensure(pod, c, () => (pod.status?.containerStatuses ? Promise.resolve() : this.writeStatus(pod, new Map())));
    if (!image.ready) {
      waiting.set(c.name, image.waiting);
      later(image.retryMs);
      return { acted: !!newest?.details.running };
    }
    let networkMode: string | undefined;
    if (index > 0) {
      if (!ownerId) {
        const owner = pod.spec.containers[0]?.name ?? '';
        waiting.set(c.name, { reason: 'ContainerCreating', message: `waiting for container ${owner}, which holds the pod's network, to run` });
        return { acted: !!newest?.details.running };
      }
      networkMode = `container:${ownerId}`;
    }
    const attempt = newest ? newest.attempt + 1 : 0;
    const spec = toCreateSpec(pod, c, attempt, { nodeName: this.d.nodeName, nodeIP: this.d.nodeIP, podIP: pod.status?.podIP, networkMode, podPorts: podPorts(pod) });
    let id: string;
    try {
      id = await runtime.create(spec);
    } catch (e) {
      const msg = errorMessage(e);
      recorder.record(pod, 'Warning', 'Failed', `Error: ${msg}`);
      waiting.set(c.name, { reason: 'CreateContainerError', message: msg });
      later(10_000);
      return { acted: !!newest?.details.running };
    }
    recorder.record(pod, 'Normal', 'Created', `Created container ${c.name}`);
    // Keep the run before this one (for --previous logs); older runs go.
    for (const old of list) if (old.attempt < attempt - 1) await runtime.remove(old.details.id);
    return this.start(pod, c, id);
  }

  private async start(pod: Pod, c: Container, id: string): Promise<{ acted: boolean; started?: string }> {
    try {
      await this.d.runtime.start(id);
    } catch (e) {
      // The container stays `created` with the engine's error: the status shows it as a StartError run.
      this.d.recorder.record(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${errorMessage(e)}`);
      return { acted: true };
    }
    this.d.recorder.record(pod, 'Normal', 'Started', `Started container ${c.name}`);
    return { acted: true, started: id };
  }

  /** Stops a deleted pod's containers within its grace period, removes them, then lets the API forget it. */
  async terminate(pod: Pod): Promise<void> {
    const { runtime, recorder, client } = this.d;
    const all = await this.observe(pod);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? gracePeriod(pod);
    await Promise.all(
      all
        .filter((i) => i.details.running)
        .map((i) => {
          recorder.record(pod, 'Normal', 'Killing', `Stopping container ${i.containerName}`);
          return runtime.stop(i.details.id, grace);
        }),
    );
    await Promise.all(all.map((i) => runtime.remove(i.details.id)));
    this.crashBackoff.resetPrefix(`${pod.metadata.uid}/`);
    this.pullBackoff.resetPrefix(`${pod.metadata.uid}/`);
    const m = pod.metadata;
    try {
      await client.delete('pods', m.namespace, m.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: m.uid ?? '' } });
    } catch (e) {
      // Gone already, or a new pod took the name: either way this one is finished.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** Removes containers labelled with this pod's namespace/name that belong to no live pod (`keepUid`). */
  async removeOrphans(namespace: string, name: string, keepUid?: string): Promise<number> {
    const found = await this.d.runtime.list({ ...nodeSelector(this.d.nodeName), [LABELS.podNamespace]: namespace, [LABELS.podName]: name });
    let removed = 0;
    for (const c of found) {
      const uid = c.labels[LABELS.podUid];
      if (keepUid && uid === keepUid) continue;
      this.d.log.info('removing container of a pod that no longer exists', { container: c.name, pod: `${namespace}/${name}` });
      await this.d.runtime.remove(c.id);
      if (uid) this.crashBackoff.resetPrefix(`${uid}/`);
      removed++;
    }
    return removed;
  }

  /**
   * This pod's containers on the engine, inspected. Containers under the same namespace/name from an
   * earlier pod of that name (another uid) are removed on the way.
   */
  private async observe(pod: Pod): Promise<Instance[]> {
    const { runtime, nodeName } = this.d;
    const m = pod.metadata;
    const found = await runtime.list({ ...nodeSelector(nodeName), [LABELS.podNamespace]: m.namespace ?? 'default', [LABELS.podName]: m.name ?? '' });
    const mine = found.filter((c) => c.labels[LABELS.podUid] === m.uid);
    if (mine.length < found.length) await this.removeOrphans(m.namespace ?? 'default', m.name ?? '', m.uid);
    const details = await Promise.all(mine.map((c) => runtime.inspect(c.id)));
    return details.flatMap((d) => {
      const i = d && toInstance(d);
      return i ? [i] : [];
    });
  }

  private async writeStatus(pod: Pod, waiting: Map<string, ContainerStateWaiting>, observed?: Map<string, Instance[]>): Promise<void> {
    const groups = observed ?? groupInstances(await this.observe(pod));
    const owner = groups.get(pod.spec.containers[0]?.name ?? '')?.[0];
    const status = buildPodStatus({
      pod,
      instances: groups,
      waiting,
      hostIP: this.d.nodeIP,
      ...(owner?.details.running && owner.details.ip ? { podIP: owner.details.ip } : {}),
      now: this.d.clock.now(),
    });
    if (sameStatus(status, pod.status ?? {})) return;
    const updated = await this.d.client.updateStatus<Pod>('pods', { ...pod, status });
    // Later writes in this sync start from what was stored.
    pod.metadata.resourceVersion = updated.metadata.resourceVersion;
    pod.status = updated.status;
  }
}

function gracePeriod(pod: Pod): number {
  return pod.spec.terminationGracePeriodSeconds ?? 30;
}

function errorMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  // dockerode prefixes "(HTTP code 500) server error - "; the engine's message is what users need.
  return raw.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}
