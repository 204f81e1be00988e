import type { Container, ContainerStateWaiting, Pod } from '../../api/types.js';
import type { Backoff } from '../../client/Backoff.js';
import type { Clock } from '../../util/clock.js';
import type { Runtime } from '../runtime/types.js';
import { resolveContainerConfig, type ContainerConfigDeps } from './containerConfig.js';
import { containerHash, toCreateSpec, type Instance } from './containers.js';
import { ContainerConfigError, type PodContext } from './downward.js';
import type { ImagePuller } from './imagePuller.js';
import type { Lifecycle } from './lifecycle.js';
import type { ObjectCache } from './objectCache.js';
import { pullAuths } from './podRefs.js';
import type { ProbeManager } from './probes/probeManager.js';
import type { Recorder } from './types.js';
import type { PodVolumes } from './volumes/types.js';

/** What one pass over a pod's containers shares: where they run and what they mount. */
export interface PodPass {
  pod: Pod;
  network: string;
  sandboxId: string;
  ctx: PodContext;
  volumes: PodVolumes;
  waiting: Map<string, ContainerStateWaiting>;
  later: (ms: number | undefined) => void;
  /** Publishes a first (Pending) status before a long pull. */
  publish: () => Promise<void>;
}

export interface ContainerSyncDeps {
  runtime: Runtime;
  recorder: Recorder;
  clock: Clock;
  nodeName: string;
  nodeIP: string;
  crashBackoff: Backoff;
  puller: ImagePuller;
  lifecycle: Lifecycle;
  probes: ProbeManager;
  objects: ObjectCache;
  config: ContainerConfigDeps;
}

export function gracePeriod(pod: Pod): number {
  return pod.spec.terminationGracePeriodSeconds ?? 30;
}

export function errorMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  // dockerode prefixes "(HTTP code 500) server error - "; the engine's message is what users need.
  return raw.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}

/**
 * One container of a pod, as the kubelet's `SyncPod` treats it: keep a healthy run, kill a run
 * whose spec changed, that left the pod's sandbox or failed its liveness/startup probe (preStop
 * first), start a created one, restart a finished one when `restart` says so (with crash-loop
 * back-off), else pull the image (with the pod's pull secrets), resolve its configuration and
 * create, start and run its postStart hook. Returns whether it changed anything on the engine.
 */
export async function syncContainer(d: ContainerSyncDeps, p: PodPass, c: Container, list: Instance[], restart: (i: Instance) => boolean, opts: { pidMode?: string } = {}): Promise<boolean> {
  const { pod, network, waiting, later } = p;
  const { runtime, recorder, clock } = d;
  const uid = pod.metadata.uid ?? '';
  const newest = list[0];
  if (newest?.details.running) {
    const inSandbox = newest.details.networkMode === network;
    const failed = d.probes.failed(uid, c.name, newest.details.id);
    if (newest.hash === containerHash(c) && inSandbox && !failed) return false;
    const why = failed ? `failed ${failed.kind} probe, will be restarted` : inSandbox ? 'definition changed, will be restarted' : "is not in the pod's current sandbox, will be restarted";
    recorder.record(pod, 'Normal', 'Killing', `Container ${c.name} ${why}`);
    await d.lifecycle.stop(pod, c, newest.details.id, p.ctx.podIP, failed?.spec.terminationGracePeriodSeconds ?? gracePeriod(pod));
    // The engine's `die` event brings the pod back; the restart policy decides what follows.
    if (failed) return true;
  } else if (newest && newest.details.state === 'created' && !newest.details.error && newest.details.networkMode === network) {
    // Created but never started (the agent stopped in between): start it rather than make another.
    return start(d, p, c, newest.details.id);
  } else if (newest && (newest.details.state === 'exited' || newest.details.state === 'dead' || (newest.details.state === 'created' && newest.details.error))) {
    if (!restart(newest)) return false;
    const key = `${uid}/${c.name}`;
    const finished = newest.details.finishedAt ?? clock.now();
    const left = d.crashBackoff.remaining(key, finished);
    if (left > 0) {
      const m = pod.metadata;
      const secs = Math.round(d.crashBackoff.current(key) / 1000);
      waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${secs}s restarting failed container=${c.name} pod=${m.name}_${m.namespace}(${m.uid})` });
      recorder.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${m.name}_${m.namespace}(${m.uid})`);
      later(left);
      return false;
    }
    d.crashBackoff.next(key, finished);
  }
  const auths = await pullAuths(pod, c.image, d.objects, recorder);
  const image = await d.puller.ensure(pod, c, {
    beforePull: p.publish,
    auths,
    onProgress: (message) => {
      waiting.set(c.name, { reason: 'ContainerCreating', message });
      void p.publish();
    },
  });
  if (!image.ready) {
    waiting.set(c.name, image.waiting);
    later(image.retryMs);
    return !!newest?.details.running;
  }
  waiting.delete(c.name);
  const attempt = newest ? newest.attempt + 1 : 0;
  let id: string;
  try {
    const resolved = await resolveContainerConfig(d.config, pod, c, attempt, p.ctx, p.volumes, p.sandboxId);
    // An ephemeral container's target: it sees that container's processes (hostPID wins).
    if (opts.pidMode && resolved.extra.pidMode !== 'host') resolved.extra.pidMode = opts.pidMode;
    const spec = toCreateSpec(pod, c, attempt, { nodeName: d.nodeName, nodeIP: d.nodeIP, ...(p.ctx.podIP ? { podIP: p.ctx.podIP } : {}), networkMode: network, resolved });
    id = await runtime.create(spec);
  } catch (e) {
    const msg = errorMessage(e);
    const config = e instanceof ContainerConfigError;
    recorder.record(pod, 'Warning', 'Failed', `Error: ${msg}`);
    waiting.set(c.name, { reason: config ? 'CreateContainerConfigError' : 'CreateContainerError', message: msg });
    later(10_000);
    return !!newest?.details.running;
  }
  recorder.record(pod, 'Normal', 'Created', `Created container ${c.name}`);
  // Keep the run before this one (for --previous logs); older runs go.
  for (const old of list) if (old.attempt < attempt - 1) await runtime.remove(old.details.id);
  return start(d, p, c, id);
}

async function start(d: ContainerSyncDeps, p: PodPass, c: Container, id: string): Promise<boolean> {
  const { pod } = p;
  try {
    await d.runtime.start(id);
  } catch (e) {
    // The container stays `created` with the engine's error: the status shows it as a StartError run.
    d.recorder.record(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${errorMessage(e)}`);
    return true;
  }
  d.recorder.record(pod, 'Normal', 'Started', `Started container ${c.name}`);
  const hookError = await d.lifecycle.postStart(pod, c, id, p.ctx.podIP);
  if (hookError !== undefined) {
    d.recorder.record(pod, 'Normal', 'Killing', `FailedPostStartHook`);
    await d.lifecycle.stop(pod, undefined, id, p.ctx.podIP, gracePeriod(pod));
    p.waiting.set(c.name, { reason: 'PostStartHookError', message: hookError });
  }
  return true;
}
