import { isConflict, isNotFound } from '../../api/errors.js';
import type { Container, ContainerStateWaiting, Pod } from '../../api/types.js';
import { LABELS, isTerminated } from '../runtime/types.js';
import { Backoff } from '../../client/Backoff.js';
import { PauseImage } from '../net/pauseImage.js';
import { isSandbox, joinSandbox, sandboxSpec, toSandbox, type Sandbox } from '../net/sandbox.js';
import { containerHash, groupInstances, nodeSelector, podPorts, shouldRestart, toCreateSpec, toInstance, type Instance } from './containers.js';
import { ImagePuller } from './imagePuller.js';
import { buildPodStatus, sameStatus } from './podStatus.js';
import type { KubeletDeps } from './types.js';

/** A pod's containers on the engine, inspected: its sandboxes (newest first) and its containers' runs. */
interface Observed {
  sandboxes: Sandbox[];
  instances: Instance[];
}

/**
 * Makes the engine match one pod, as the kubelet's `SyncPod`: keeps the pod's sandbox (which holds
 * its network) running, starts what should run, restarts what died (per restartPolicy, with
 * crash-loop back-off), replaces containers whose spec changed, keeps one previous run of each
 * container for `--previous` logs, and writes the pod's status when it changed. Running containers
 * found on the engine are adopted by their labels, never recreated. A sandbox that died is replaced
 * and the pod's containers restarted in the new one, as Kubernetes does. Calls for one pod must not
 * overlap (the work queue guarantees it).
 */
export class PodSyncer {
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  private readonly puller: ImagePuller;
  private readonly pause: PauseImage;

  constructor(private readonly d: KubeletDeps) {
    this.crashBackoff = new Backoff(d.clock);
    this.pullBackoff = new Backoff(d.clock);
    this.puller = new ImagePuller(d.runtime, d.recorder, this.pullBackoff, d.clock, d.log);
    this.pause = new PauseImage(d.runtime);
  }

  /** Syncs a live pod; returns the ms after which it wants to run again (back-off), if any. */
  async sync(pod: Pod): Promise<number | undefined> {
    const phase = pod.status?.phase;
    // A finished pod never runs again: its sandbox stops; its containers stay for their logs until
    // the pod is deleted. (One list, no inspects: finished pods are synced on every resync.)
    if (phase === 'Succeeded' || phase === 'Failed') {
      const m = pod.metadata;
      const sandboxes = await this.d.runtime.list({ ...nodeSelector(this.d.nodeName), [LABELS.podUid]: m.uid ?? '', [LABELS.sandbox]: 'true' });
      for (const s of sandboxes) if (s.state === 'running') await this.d.runtime.stop(s.id, 0);
      return undefined;
    }
    const observed = await this.observe(pod);
    const groups = groupInstances(observed.instances);
    const waiting = new Map<string, ContainerStateWaiting>();
    let requeue: number | undefined;
    const later = (ms: number | undefined) => {
      if (ms !== undefined && ms > 0) requeue = Math.min(requeue ?? ms, ms);
    };
    const sandbox = await this.ensureSandbox(pod, observed.sandboxes[0], later);
    let acted = sandbox.acted;
    if (sandbox.current) {
      const network = joinSandbox(sandbox.current);
      for (const c of pod.spec.containers) acted = (await this.syncContainer(pod, c, groups.get(c.name) ?? [], network, waiting, later)) || acted;
      // Earlier sandboxes go once nothing runs in them any more.
      const old = observed.sandboxes.filter((s) => s.id !== sandbox.current?.id);
      if (old.length > 0) {
        const now = acted ? (await this.observe(pod)).instances : observed.instances;
        for (const s of old) if (!now.some((i) => i.details.running && i.details.networkMode === joinSandbox(s))) await this.d.runtime.remove(s.id);
      }
    }
    // Only look at the engine again when this sync changed something on it.
    await this.writeStatus(pod, waiting, acted ? undefined : observed);
    return requeue;
  }

  /**
   * The pod's running sandbox: the newest one when it runs, else a new one (after a sandbox died,
   * say by `docker kill` or a host reboot). `current` is absent when none could be made (the failure
   * is an event and a retry).
   */
  private async ensureSandbox(pod: Pod, newest: Sandbox | undefined, later: (ms: number) => void): Promise<{ current?: Sandbox; acted: boolean }> {
    const onPodNetwork = (s: Sandbox) => !!pod.spec.hostNetwork || !this.d.podNetwork || this.d.podNetwork.current(s.networkMode ?? '');
    if (newest?.running && onPodNetwork(newest)) return { current: newest, acted: false };
    const { runtime, recorder, clock } = this.d;
    // A sandbox that cannot be made is retried with the crash back-off, not on every engine event.
    const key = `${pod.metadata.uid}/${SANDBOX_KEY}`;
    const left = this.crashBackoff.remainingSinceUpdate(key);
    if (left > 0) {
      later(left);
      return { acted: false };
    }
    if (newest) recorder.record(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    let id: string | undefined;
    try {
      const image = await this.pause.ensure();
      const network = pod.spec.hostNetwork ? undefined : await this.d.podNetwork?.network();
      const attempt = newest ? newest.attempt + 1 : 0;
      id = await runtime.create(sandboxSpec(pod, attempt, { nodeName: this.d.nodeName, image, exposedPorts: podPorts(pod), ...(network ? { network } : {}) }));
      await runtime.start(id);
      const details = await runtime.inspect(id);
      if (!details?.running) throw new Error('the sandbox container stopped as soon as it started');
      this.crashBackoff.reset(key);
      return { current: toSandbox(details), acted: true };
    } catch (e) {
      this.crashBackoff.next(key, clock.now());
      if (id) await runtime.remove(id).catch(() => undefined);
      recorder.record(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorMessage(e)}`);
      later(this.crashBackoff.remainingSinceUpdate(key));
      return { acted: !!id };
    }
  }

  /** One container of the pod, in the pod's sandbox (`network`): whether it changed anything on the engine. */
  private async syncContainer(
    pod: Pod,
    c: Container,
    list: Instance[],
    network: string,
    waiting: Map<string, ContainerStateWaiting>,
    later: (ms: number | undefined) => void,
  ): Promise<boolean> {
    const { runtime, recorder, clock } = this.d;
    const newest = list[0];
    if (newest?.details.running) {
      const inSandbox = newest.details.networkMode === network;
      if (newest.hash === containerHash(c) && inSandbox) return false;
      const why = inSandbox ? 'definition changed' : "is not in the pod's current sandbox";
      recorder.record(pod, 'Normal', 'Killing', `Container ${c.name} ${why}, will be restarted`);
      await runtime.stop(newest.details.id, gracePeriod(pod));
    } else if (newest && newest.details.state === 'created' && !newest.details.error && newest.details.networkMode === network) {
      // Created but never started (the agent stopped in between): start it rather than make another.
      return this.start(pod, c, newest.details.id);
    } else if (newest && isTerminated(newest.details)) {
      if (!shouldRestart(pod, newest.details.exitCode)) return false;
      const key = `${pod.metadata.uid}/${c.name}`;
      const finished = newest.details.finishedAt ?? clock.now();
      const left = this.crashBackoff.remaining(key, finished);
      if (left > 0) {
        const m = pod.metadata;
        const secs = Math.round(this.crashBackoff.current(key) / 1000);
        waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${secs}s restarting failed container=${c.name} pod=${m.name}_${m.namespace}(${m.uid})` });
        recorder.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${m.name}_${m.namespace}(${m.uid})`);
        later(left);
        return false;
      }
      this.crashBackoff.next(key, finished);
    }
    // A pull can take minutes: publish a first (Pending) status before it starts.
    const image = await this.puller.ensure(pod, c, () => (pod.status?.containerStatuses ? Promise.resolve() : this.writeStatus(pod, new Map())));
    if (!image.ready) {
      waiting.set(c.name, image.waiting);
      later(image.retryMs);
      return !!newest?.details.running;
    }
    const attempt = newest ? newest.attempt + 1 : 0;
    const spec = toCreateSpec(pod, c, attempt, { nodeName: this.d.nodeName, nodeIP: this.d.nodeIP, podIP: pod.status?.podIP, networkMode: network, serviceEnv: this.d.serviceEnv?.(pod) });
    let id: string;
    try {
      id = await runtime.create(spec);
    } catch (e) {
      const msg = errorMessage(e);
      recorder.record(pod, 'Warning', 'Failed', `Error: ${msg}`);
      waiting.set(c.name, { reason: 'CreateContainerError', message: msg });
      later(10_000);
      return !!newest?.details.running;
    }
    recorder.record(pod, 'Normal', 'Created', `Created container ${c.name}`);
    // Keep the run before this one (for --previous logs); older runs go.
    for (const old of list) if (old.attempt < attempt - 1) await runtime.remove(old.details.id);
    return this.start(pod, c, id);
  }

  private async start(pod: Pod, c: Container, id: string): Promise<boolean> {
    try {
      await this.d.runtime.start(id);
    } catch (e) {
      // The container stays `created` with the engine's error: the status shows it as a StartError run.
      this.d.recorder.record(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${errorMessage(e)}`);
      return true;
    }
    this.d.recorder.record(pod, 'Normal', 'Started', `Started container ${c.name}`);
    return true;
  }

  /** Stops a deleted pod's containers within its grace period, removes them, then lets the API forget it. */
  async terminate(pod: Pod): Promise<void> {
    const { runtime, recorder, client } = this.d;
    const { sandboxes, instances } = await this.observe(pod);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? gracePeriod(pod);
    // The containers get their grace period; the sandbox, which runs nothing of the user's, goes after.
    await Promise.all(
      instances
        .filter((i) => i.details.running)
        .map((i) => {
          recorder.record(pod, 'Normal', 'Killing', `Stopping container ${i.containerName}`);
          return runtime.stop(i.details.id, grace);
        }),
    );
    await Promise.all(instances.map((i) => runtime.remove(i.details.id)));
    await Promise.all(sandboxes.map((sb) => runtime.remove(sb.id)));
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
  private async observe(pod: Pod): Promise<Observed> {
    const { runtime, nodeName } = this.d;
    const m = pod.metadata;
    const found = await runtime.list({ ...nodeSelector(nodeName), [LABELS.podNamespace]: m.namespace ?? 'default', [LABELS.podName]: m.name ?? '' });
    const mine = found.filter((c) => c.labels[LABELS.podUid] === m.uid);
    if (mine.length < found.length) await this.removeOrphans(m.namespace ?? 'default', m.name ?? '', m.uid);
    const details = await Promise.all(mine.map((c) => runtime.inspect(c.id)));
    const out: Observed = { sandboxes: [], instances: [] };
    for (const d of details) {
      if (!d) continue;
      if (isSandbox(d.labels)) out.sandboxes.push(toSandbox(d));
      else {
        const i = toInstance(d);
        if (i) out.instances.push(i);
      }
    }
    out.sandboxes.sort((a, b) => b.attempt - a.attempt);
    return out;
  }

  private async writeStatus(pod: Pod, waiting: Map<string, ContainerStateWaiting>, observed?: Observed): Promise<void> {
    const { sandboxes, instances } = observed ?? (await this.observe(pod));
    const sandbox = sandboxes[0];
    const podIP = sandbox?.running ? (pod.spec.hostNetwork ? this.d.nodeIP : sandbox.ip) : undefined;
    const status = buildPodStatus({
      pod,
      instances: groupInstances(instances),
      waiting,
      hostIP: this.d.nodeIP,
      ...(podIP ? { podIP } : {}),
      now: this.d.clock.now(),
    });
    if (sameStatus(status, pod.status ?? {})) return;
    const updated = await this.d.client.updateStatus<Pod>('pods', { ...pod, status });
    // Later writes in this sync start from what was stored.
    pod.metadata.resourceVersion = updated.metadata.resourceVersion;
    pod.status = updated.status;
  }
}

/** The back-off key of a pod's sandbox (no container may be named so: names are DNS labels). */
const SANDBOX_KEY = 'POD_SANDBOX';

function gracePeriod(pod: Pod): number {
  return pod.spec.terminationGracePeriodSeconds ?? 30;
}

function errorMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  // dockerode prefixes "(HTTP code 500) server error - "; the engine's message is what users need.
  return raw.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}
