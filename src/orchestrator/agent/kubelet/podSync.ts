import { isConflict, isNotFound } from '../../api/errors.js';
import { podSpecWarnings } from '../../api/podSupport.js';
import { objectKey } from '../../api/resources.js';
import { podContainers } from '../../api/podutil.js';
import type { ContainerStateWaiting, Pod } from '../../api/types.js';
import { LABELS } from '../runtime/types.js';
import { Backoff } from '../../client/Backoff.js';
import { PauseImage } from '../net/pauseImage.js';
import { isSandbox, joinSandbox, sandboxSpec, toSandbox, type Sandbox } from '../net/sandbox.js';
import { groupInstances, nodeSelector, podPorts, shouldRestart, toInstance, type Instance } from './containers.js';
import { errorMessage, gracePeriod, syncContainer, type ContainerSyncDeps, type PodPass } from './containerSync.js';
import type { PodContext } from './downward.js';
import { EMPTYDIR_CHECK_MS, EmptyDirLimits, limitedEmptyDirs } from './emptyDirLimits.js';
import { ImagePuller } from './imagePuller.js';
import { isSidecar } from '../../api/podResources.js';
import { initShouldRestart, planInit } from './initContainers.js';
import { Lifecycle } from './lifecycle.js';
import { ObjectCache } from './objectCache.js';
import { podRefs } from './podRefs.js';
import { buildPodStatus, sameStatus } from './podStatus.js';
import { ProbeManager } from './probes/probeManager.js';
import { RealProber } from './probes/prober.js';
import { sandboxSysctls } from './security.js';
import { terminationMessage } from './terminationMessage.js';
import { TokenManager } from './tokens.js';
import type { KubeletDeps } from './types.js';
import { VolumeManager } from './volumes/volumeManager.js';
import type { PodVolumes } from './volumes/types.js';
import { join } from 'node:path';
import { isoTime } from '../../util/clock.js';

/** A pod's containers on the engine, inspected: its sandboxes (newest first) and its containers' runs. */
interface Observed {
  sandboxes: Sandbox[];
  instances: Instance[];
}

/**
 * Makes the engine match one pod, as the kubelet's `SyncPod`: sets up the pod's volumes (engine
 * volumes, host paths, the agent's files for ConfigMaps, Secrets, downward API and tokens),
 * keeps the pod's sandbox (which holds its network and its emptyDirs) running, runs the init
 * containers in order (sidecars kept running), then the app containers, restarts what died (per
 * restartPolicy, with crash-loop back-off) or failed its liveness probe, replaces containers whose
 * spec changed, keeps one previous run of each container for `--previous` logs, and writes the
 * pod's status when it changed. Running containers found on the engine are adopted by their labels,
 * never recreated. Calls for one pod must not overlap (the work queue guarantees it).
 */
export class PodSyncer {
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  readonly objects: ObjectCache;
  readonly volumes: VolumeManager;
  readonly probes: ProbeManager;
  readonly tokens: TokenManager;
  private readonly puller: ImagePuller;
  private readonly pause: PauseImage;
  private readonly lifecycle: Lifecycle;
  private readonly containers: ContainerSyncDeps;
  /** Termination messages of finished runs, by pod uid and container id (they never change). */
  private readonly messages = new Map<string, Map<string, string>>();
  private allocatable?: Promise<PodContext['allocatable']>;
  private readonly publishing = new Map<string, Promise<void>>();
  /** Pods already told which of their fields the agent does not act on. */
  private readonly warned = new Set<string>();
  private readonly emptyDirs: EmptyDirLimits;

  constructor(
    private readonly d: KubeletDeps,
    enqueue: (key: string) => void,
  ) {
    this.crashBackoff = new Backoff(d.clock);
    this.pullBackoff = new Backoff(d.clock);
    this.puller = new ImagePuller(d.runtime, d.recorder, this.pullBackoff, d.clock, d.log);
    this.pause = new PauseImage(d.runtime);
    this.emptyDirs = new EmptyDirLimits(d.runtime, d.clock);
    this.objects = new ObjectCache({ client: d.client, clock: d.clock, log: d.log, onChange: (keys) => keys.forEach(enqueue) });
    this.tokens = new TokenManager(d.client, d.clock);
    const prober = d.prober ?? new RealProber(d.runtime, d.clock);
    this.probes = new ProbeManager({ clock: d.clock, log: d.log, recorder: d.recorder, prober, onChange: enqueue });
    this.lifecycle = new Lifecycle({ runtime: d.runtime, clock: d.clock, recorder: d.recorder, prober });
    this.volumes = new VolumeManager({ runtime: d.runtime, client: d.client, clock: d.clock, log: d.log, objects: this.objects, tokens: this.tokens, nodeName: d.nodeName, dataDir: d.dataDir, memoryDir: d.memoryDir });
    this.containers = {
      runtime: d.runtime,
      recorder: d.recorder,
      clock: d.clock,
      nodeName: d.nodeName,
      nodeIP: d.nodeIP,
      crashBackoff: this.crashBackoff,
      puller: this.puller,
      lifecycle: this.lifecycle,
      probes: this.probes,
      objects: this.objects,
      config: { runtime: d.runtime, objects: this.objects, volumes: this.volumes, recorder: d.recorder, seccompRoot: join(d.dataDir, 'seccomp'), ...(d.serviceEnv ? { serviceEnv: d.serviceEnv } : {}), ...(d.podDns ? { podDns: d.podDns } : {}) },
    };
  }

  /** Stops what runs in the background (watches, probes). Containers keep running. */
  stop(): void {
    this.objects.stop();
    this.probes.stop();
  }

  /** Syncs a live pod; returns the ms after which it wants to run again (back-off), if any. */
  async sync(pod: Pod): Promise<number | undefined> {
    const m = pod.metadata;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.stopFinished(pod);
      return undefined;
    }
    this.objects.setRefs(objectKey(m.namespace, m.name ?? ''), podRefs(pod));
    if (!this.warned.has(m.uid ?? '')) {
      this.warned.add(m.uid ?? '');
      for (const w of podSpecWarnings(pod.spec as Record<string, unknown>)) this.d.recorder.record(pod, 'Warning', 'FieldNotSupported', w);
    }
    const deadline = this.deadline(pod);
    if (deadline !== undefined && deadline <= 0) {
      await this.fail(pod, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
      return undefined;
    }
    const overLimit = await this.emptyDirs.check(pod).catch((e: unknown) => {
      this.d.log.warn('could not measure emptyDir usage', { pod: m.name, error: errorMessage(e) });
      return undefined;
    });
    if (overLimit) {
      await this.fail(pod, 'Evicted', overLimit);
      return undefined;
    }
    const observed = await this.observe(pod);
    const groups = groupInstances(observed.instances);
    const waiting = new Map<string, ContainerStateWaiting>();
    let requeue: number | undefined;
    const later = (ms: number | undefined) => {
      if (ms !== undefined && ms > 0) requeue = Math.min(requeue ?? ms, ms);
    };
    later(deadline);
    if (limitedEmptyDirs(pod).length) later(EMPTYDIR_CHECK_MS);
    const newest = observed.sandboxes[0];
    const ctx = await this.podContext(pod, newest?.running ? newest.ip : undefined);
    const pv = await this.volumes.setUp(pod, ctx);
    for (const f of pv.failures) this.d.recorder.record(pod, 'Warning', 'FailedMount', f.message);
    if (pv.failures.length) later(5_000);
    let acted = false;
    let network: string | undefined;
    // A pod starts only once its volumes are there; one already running keeps going.
    if (!pv.failures.length || newest?.running) {
      const sandbox = await this.ensureSandbox(pod, newest, later, pv);
      acted = sandbox.acted;
      if (sandbox.current) {
        network = joinSandbox(sandbox.current);
        await this.volumes.prepareInSandbox(sandbox.current.id, pv);
        if (pod.spec.hostNetwork) ctx.podIP = this.d.nodeIP;
        else if (sandbox.current.ip) ctx.podIP = sandbox.current.ip;
        acted = (await this.syncContainers(pod, groups, { pod, network, sandboxId: sandbox.current.id, ctx, volumes: pv, waiting, later, publish: () => this.publish(pod, waiting) })) || acted;
        const old = observed.sandboxes.filter((s) => s.id !== sandbox.current?.id);
        if (old.length > 0) {
          const now = acted ? (await this.observe(pod)).instances : observed.instances;
          for (const s of old) if (!now.some((i) => i.details.running && i.details.networkMode === joinSandbox(s))) await this.d.runtime.remove(s.id);
        }
      }
    }
    // A progress write still in flight goes first (both write the same pod's status).
    await this.publishing.get(m.uid ?? '');
    // Only look at the engine again when this sync changed something on it.
    await this.writeStatus(pod, waiting, acted ? undefined : observed, network);
    const refresh = this.tokens.nextRefresh(m.uid ?? '');
    if (refresh !== undefined) later(Math.max(1_000, refresh - this.d.clock.now()));
    return requeue;
  }

  /** Init containers in order (sidecars kept running), then, once initialized, the app containers. */
  private async syncContainers(pod: Pod, groups: Map<string, Instance[]>, p: PodPass): Promise<boolean> {
    let acted = false;
    const uid = pod.metadata.uid ?? '';
    const plan = planInit(pod, groups, p.network, (name, id) => this.probes.started(uid, name, id) ?? true);
    for (const c of plan.sync) acted = (await syncContainer(this.containers, p, c, groups.get(c.name) ?? [], (i) => initShouldRestart(pod, c, i, p.network))) || acted;
    // Ephemeral containers (`kubectl debug`) start even before initialization completes, and never again once run.
    for (const c of pod.spec.ephemeralContainers ?? []) {
      const target = c.targetContainerName ? groups.get(c.targetContainerName)?.[0] : undefined;
      if (c.targetContainerName && !target?.details.running && !groups.get(c.name)?.length) {
        p.waiting.set(c.name, { reason: 'ContainerCreating', message: `waiting for its target container ${c.targetContainerName} to run` });
        continue;
      }
      const pidMode = target?.details.running ? `container:${target.details.id}` : undefined;
      acted = (await syncContainer(this.containers, p, c, groups.get(c.name) ?? [], () => false, pidMode ? { pidMode } : {})) || acted;
    }
    if (!plan.initialized) return acted;
    for (const c of pod.spec.containers) acted = (await syncContainer(this.containers, p, c, groups.get(c.name) ?? [], (i) => shouldRestart(pod, i.details.exitCode))) || acted;
    return acted;
  }

  /** The pod's context for env and downward API: where it runs, its IP, the node's resources. */
  private async podContext(pod: Pod, sandboxIP: string | undefined): Promise<PodContext> {
    this.allocatable ??= this.d.runtime.info().then(
      (i) => ({ cpuMillis: i.ncpu * 1000, memoryBytes: i.memTotalBytes, ephemeralBytes: 0 }),
      () => {
        this.allocatable = undefined;
        return { cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0 };
      },
    );
    const podIP = pod.spec.hostNetwork ? this.d.nodeIP : (sandboxIP ?? pod.status?.podIP);
    return { nodeName: this.d.nodeName, nodeIP: this.d.nodeIP, ...(podIP ? { podIP } : {}), allocatable: await this.allocatable };
  }

  /** Milliseconds left before `activeDeadlineSeconds` runs out (undefined: no deadline). */
  private deadline(pod: Pod): number | undefined {
    const secs = pod.spec.activeDeadlineSeconds;
    const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
    if (typeof secs !== 'number' || !Number.isFinite(start)) return undefined;
    return start + secs * 1000 - this.d.clock.now();
  }

  /**
   * The kubelet ending a pod itself: every container stopped, the pod Failed with `reason` (the
   * active-deadline handler's DeadlineExceeded; the eviction manager's Evicted, with the
   * DisruptionTarget condition it adds), and a Warning event of that reason.
   */
  private async fail(pod: Pod, reason: 'DeadlineExceeded' | 'Evicted', message: string): Promise<void> {
    this.d.recorder.record(pod, 'Warning', reason, message);
    await this.stopContainers(pod, gracePeriod(pod));
    const built = buildPodStatus({ pod, instances: groupInstances((await this.observe(pod)).instances), waiting: new Map(), hostIP: this.d.nodeIP, now: this.d.clock.now() });
    const conditions = reason === 'Evicted'
      ? [...(built.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), { type: 'DisruptionTarget', status: 'True' as const, reason: 'TerminationByKubelet', message, lastTransitionTime: isoTime(this.d.clock.now()) }]
      : built.conditions;
    const status = { ...built, ...(conditions ? { conditions } : {}), phase: 'Failed' as const, reason, message };
    await this.d.client.updateStatus<Pod>('pods', { ...pod, status });
  }

  /** A finished pod never runs again: its sandbox and any container still running (sidecars) stop; containers stay for their logs until the pod is deleted. */
  private async stopFinished(pod: Pod): Promise<void> {
    const m = pod.metadata;
    const all = await this.d.runtime.list({ ...nodeSelector(this.d.nodeName), [LABELS.podUid]: m.uid ?? '' });
    const running = all.filter((c) => c.state === 'running');
    if (running.length === 0) return;
    this.probes.remove(m.uid ?? '');
    for (const c of running.filter((x) => !isSandbox(x.labels))) await this.lifecycle.stop(pod, undefined, c.id, pod.status?.podIP, gracePeriod(pod));
    for (const c of running.filter((x) => isSandbox(x.labels))) await this.d.runtime.stop(c.id, 0);
  }

  /**
   * The pod's running sandbox: the newest one when it runs, else a new one (after a sandbox died,
   * say by `docker kill` or a host reboot). `current` is absent when none could be made (the failure
   * is an event and a retry). The sandbox also holds the pod's engine volumes and `net.*` sysctls.
   */
  private async ensureSandbox(pod: Pod, newest: Sandbox | undefined, later: (ms: number) => void, pv: PodVolumes): Promise<{ current?: Sandbox; acted: boolean }> {
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
      const spec = sandboxSpec(pod, attempt, { nodeName: this.d.nodeName, image, exposedPorts: podPorts(pod), ...(network ? { network } : {}) });
      const mounts = this.volumes.sandboxMounts(pv);
      if (mounts.length) spec.mounts = mounts;
      const sysctls = sandboxSysctls(pod);
      if (Object.keys(sysctls).length) spec.sysctls = sysctls;
      id = await runtime.create(spec);
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

  /**
   * Stops every running container of the pod within `grace` seconds (preStop hooks first): the
   * app containers together, then the sidecars in reverse order, as Kubernetes does.
   */
  private async stopContainers(pod: Pod, grace: number): Promise<Instance[]> {
    const { instances } = await this.observe(pod);
    const started = this.d.clock.now();
    const left = () => Math.max(0, grace - Math.floor((this.d.clock.now() - started) / 1000));
    const spec = new Map(podContainers(pod).map((c) => [c.name, c]));
    const running = instances.filter((i) => i.details.running);
    const sidecars = (pod.spec.initContainers ?? []).filter(isSidecar).map((c) => c.name);
    const stop = (i: Instance) => {
      this.d.recorder.record(pod, 'Normal', 'Killing', `Stopping container ${i.containerName}`);
      return this.lifecycle.stop(pod, spec.get(i.containerName), i.details.id, pod.status?.podIP, left());
    };
    await Promise.all(running.filter((i) => !sidecars.includes(i.containerName)).map(stop));
    for (const name of [...sidecars].reverse()) for (const i of running.filter((x) => x.containerName === name)) await stop(i);
    return instances;
  }

  /** Stops a deleted pod's containers within its grace period, removes them and its volumes, then lets the API forget it. */
  async terminate(pod: Pod): Promise<void> {
    const { runtime, client } = this.d;
    const m = pod.metadata;
    const uid = m.uid ?? '';
    this.probes.remove(uid);
    const grace = m.deletionGracePeriodSeconds ?? gracePeriod(pod);
    const instances = await this.stopContainers(pod, grace);
    const { sandboxes } = await this.observe(pod);
    if (m.finalizers?.length) await this.writeTerminalPhase(pod);
    await Promise.all(instances.map((i) => runtime.remove(i.details.id)));
    await Promise.all(sandboxes.map((sb) => runtime.remove(sb.id)));
    await this.forget(uid, objectKey(m.namespace, m.name ?? ''));
    try {
      await client.delete('pods', m.namespace, m.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (e) {
      // Gone already, or a new pod took the name: either way this one is finished.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /**
   * A deleted pod that finalizers keep (a Job's pods, for the job-tracking finalizer) gets a
   * terminal phase once its containers have stopped, as the kubelet writes it: Succeeded if every
   * container exited 0 and the pod never restarts them, else Failed. Whoever holds the finalizer
   * reads it from there; the containers' final states are read before they are removed.
   */
  private async writeTerminalPhase(pod: Pod): Promise<void> {
    const status = buildPodStatus({ pod, instances: groupInstances((await this.observe(pod)).instances), waiting: new Map(), hostIP: this.d.nodeIP, now: this.d.clock.now() });
    const phase = status.phase === 'Succeeded' ? 'Succeeded' : 'Failed';
    try {
      await this.d.client.patch('pods', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { uid: pod.metadata.uid }, status: { ...status, phase } }, { subresource: 'status' });
    } catch (e) {
      // Changed meanwhile (a finalizer removed, a status written): the final delete below still holds.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** Drops what the agent kept for a pod: back-offs, probes, tokens, watches, volumes and files. */
  private async forget(uid: string, podKey?: string): Promise<void> {
    this.crashBackoff.resetPrefix(`${uid}/`);
    this.pullBackoff.resetPrefix(`${uid}/`);
    this.probes.remove(uid);
    this.tokens.forget(uid);
    this.messages.delete(uid);
    this.warned.delete(uid);
    this.emptyDirs.forget(uid);
    if (podKey) this.objects.release(podKey);
    await this.volumes.tearDown(uid);
  }

  /** Removes containers labelled with this pod's namespace/name that belong to no live pod (`keepUid`). */
  async removeOrphans(namespace: string, name: string, keepUid?: string): Promise<number> {
    const found = await this.d.runtime.list({ ...nodeSelector(this.d.nodeName), [LABELS.podNamespace]: namespace, [LABELS.podName]: name });
    let removed = 0;
    const uids = new Set<string>();
    for (const c of found) {
      const uid = c.labels[LABELS.podUid];
      if (keepUid && uid === keepUid) continue;
      this.d.log.info('removing container of a pod that no longer exists', { container: c.name, pod: `${namespace}/${name}` });
      await this.d.runtime.remove(c.id);
      if (uid) uids.add(uid);
      removed++;
    }
    for (const uid of uids) await this.forget(uid);
    if (!keepUid) this.objects.release(objectKey(namespace, name));
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

  /** Writes the status now (before a long pull, or to show pull progress); serialized per pod, never throws. */
  private publish(pod: Pod, waiting: Map<string, ContainerStateWaiting>): Promise<void> {
    const key = pod.metadata.uid ?? '';
    const prev = this.publishing.get(key) ?? Promise.resolve();
    const next = prev
      .then(() => this.writeStatus(pod, waiting))
      .catch((e: unknown) => this.d.log.debug('status not written', { pod: pod.metadata.name, error: errorMessage(e) }));
    this.publishing.set(key, next);
    void next.finally(() => {
      if (this.publishing.get(key) === next) this.publishing.delete(key);
    });
    return next;
  }

  private async writeStatus(pod: Pod, waiting: Map<string, ContainerStateWaiting>, observed?: Observed, network?: string): Promise<void> {
    const { sandboxes, instances } = observed ?? (await this.observe(pod));
    const sandbox = sandboxes[0];
    const podIP = sandbox?.running ? (pod.spec.hostNetwork ? this.d.nodeIP : sandbox.ip) : undefined;
    const groups = groupInstances(instances);
    const uid = pod.metadata.uid ?? '';
    const net = network ?? (sandbox?.running ? joinSandbox(sandbox) : undefined);
    const init = net ? planInit(pod, groups, net, (name, id) => this.probes.started(uid, name, id) ?? true) : { initialized: !(pod.spec.initContainers ?? []).length };
    this.probes.update(pod, runningContainers(pod, groups), podIP ?? pod.status?.podIP);
    const messages = await this.readMessages(pod, instances);
    const status = buildPodStatus({
      pod,
      instances: groups,
      waiting,
      hostIP: this.d.nodeIP,
      ...(podIP ? { podIP } : {}),
      now: this.d.clock.now(),
      init,
      ...(net ? { network: net } : {}),
      probes: { ready: (name, id) => this.probes.ready(uid, name, id), started: (name, id) => this.probes.started(uid, name, id) },
      messages,
    });
    if (sameStatus(status, pod.status ?? {})) return;
    const updated = await this.d.client.updateStatus<Pod>('pods', { ...pod, status });
    // Later writes in this sync start from what was stored.
    pod.metadata.resourceVersion = updated.metadata.resourceVersion;
    pod.status = updated.status;
  }

  /** The termination message of each finished run of the pod, read once. */
  private async readMessages(pod: Pod, instances: Instance[]): Promise<Map<string, string>> {
    const uid = pod.metadata.uid ?? '';
    const dir = this.volumes.podDataDir(uid);
    const spec = new Map(podContainers(pod).map((c) => [c.name, c]));
    const old = this.messages.get(uid);
    const out = new Map<string, string>();
    for (const i of instances) {
      if (i.details.state !== 'exited' && i.details.state !== 'dead') continue;
      const known = old?.get(i.details.id);
      out.set(i.details.id, known ?? (await terminationMessage(this.d.runtime, dir, spec.get(i.containerName), i.containerName, i.attempt, i.details.id, i.details.exitCode)));
    }
    // Only runs that still exist are kept.
    this.messages.set(uid, out);
    return out;
  }
}

/** The newest run of each container of the pod, when it runs (what probes watch). */
function runningContainers(pod: Pod, groups: Map<string, Instance[]>) {
  const out = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const i = groups.get(c.name)?.[0];
    if (i?.details.running) out.push({ container: c, id: i.details.id, startedAt: i.details.startedAt ?? 0 });
  }
  return out;
}

/** The back-off key of a pod's sandbox (no container may be named so: names are DNS labels). */
const SANDBOX_KEY = 'POD_SANDBOX';
