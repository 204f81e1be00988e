import { objectKey, splitKey } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import { Informer } from '../../client/Informer.js';
import { runLoop, type ControllerLoop } from '../../client/runner.js';
import { RequeueAfter } from '../../client/WorkQueue.js';
import { isSandbox } from '../net/sandbox.js';
import type { Disposable } from '../../util/disposable.js';
import { LABELS, type Runtime } from '../runtime/types.js';
import { nodeSelector } from './containers.js';
import { PodSyncer } from './podSync.js';
import type { KubeletDeps } from './types.js';

export interface KubeletOptions {
  /** How often every pod is synced again even without events (default 10 s). */
  resyncMs?: number;
  /** Pods synced in parallel (default 8; a terminating pod holds a worker for its grace period). */
  workers?: number;
}

/** How long stop() waits for syncs in flight to end: a create or start takes well under it; a pull under way may not, and is not waited for past it (an app quitting must not hang on a download). */
const STOP_WAIT_MS = 5_000;

/**
 * The engine as the pod syncer uses it: once `stopped()`, a pull, create or start is refused (one
 * already under way finishes); everything else (inspect, stop, remove, logs...) goes through.
 */
function stoppable(runtime: Runtime, stopped: () => boolean): Runtime {
  const refuse = () => Promise.reject(new Error('the kubelet is stopping'));
  const refused = new Set<PropertyKey>(['pull', 'create', 'start']);
  return new Proxy(runtime, {
    get(target, prop) {
      if (refused.has(prop) && stopped()) return refuse;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The pod sync loop: an informer on the pods bound to this node feeds a work queue whose
 * `reconcile(namespace/name)` makes the engine match (see `PodSyncer`). Engine events (a container
 * died, started, vanished) and a periodic resync enqueue too, so a container killed behind the
 * agent's back is noticed within seconds, and one missed event can never leave a pod wrong.
 * Containers of pods that no longer exist are removed, but only once the informer has synced: an
 * agent that restarts adopts what runs instead of deleting it.
 */
export class Kubelet {
  readonly pods: Informer<Pod>;
  readonly syncer: PodSyncer;
  private readonly queue: ControllerLoop;
  private readonly disposables: (() => void)[] = [];
  private started = false;
  private stopping = false;

  constructor(
    private readonly d: KubeletDeps,
    private readonly opts: KubeletOptions = {},
  ) {
    const log = d.log.child({ component: 'kubelet' });
    this.pods = new Informer<Pod>(d.client, 'pods', d.clock, log, { fieldSelector: `spec.nodeName=${d.nodeName}` });
    this.syncer = new PodSyncer({ ...d, runtime: stoppable(d.runtime, () => this.stopping), log }, (key) => this.queue.enqueue(key));
    this.queue = runLoop('kubelet', (key) => this.reconcile(key), { clock: d.clock, log, workers: opts.workers ?? 8, maxBackoffMs: 30_000 });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const enqueue = (p: Pod) => this.queue.enqueue(objectKey(p.metadata.namespace, p.metadata.name ?? ''));
    this.pods.addHandlers({
      onAdd: enqueue,
      // Its own status writes come back as updates; syncing on them again would only double the work.
      onUpdate: (o, n) => {
        if (!onlyStatusChanged(o, n)) enqueue(n);
      },
      onDelete: enqueue,
    });
    this.pods.start();
    const events: Disposable = this.d.runtime.events(nodeSelector(this.d.nodeName), (ev) => {
      // A sandbox matters only when it goes away; its creation is the sync's own doing.
      if (isSandbox(ev.labels) && !SANDBOX_GONE.has(ev.action)) return;
      const ns = ev.labels[LABELS.podNamespace];
      const name = ev.labels[LABELS.podName];
      if (ns && name) this.queue.enqueue(objectKey(ns, name));
    });
    this.disposables.push(() => events.dispose());
    this.disposables.push(this.d.clock.setInterval(() => void this.resync(), this.opts.resyncMs ?? 10_000));
    // Sweep orphans as soon as the cache is complete, not a resync later.
    void this.pods.waitForSync().then(() => this.resync());
  }

  /** Resolves once the pods bound to this node have been listed. */
  waitForSync(): Promise<void> {
    return this.pods.waitForSync();
  }

  /** Resolves when no pod is being synced or queued (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Stops watching and syncing; containers keep running. From now on nothing is pulled, created or
   * started, and syncs in flight end at their next such step; resolves once they have (at most
   * STOP_WAIT_MS), so no container the kubelet was creating appears after its agent stopped.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const d of this.disposables.splice(0).reverse()) d();
    this.queue.stop();
    this.pods.stop();
    this.syncer.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue.idle(), new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS).unref()))]);
    clearTimeout(timer);
  }

  /** Enqueues every pod, and the namespace/name of every container whose pod is gone. */
  async resync(): Promise<void> {
    if (!this.pods.hasSynced()) return;
    for (const key of this.pods.keys()) this.queue.enqueue(key);
    this.syncer.crashBackoff.gc();
    this.syncer.pullBackoff.gc();
    try {
      // Volumes and files of pods deleted while the agent was away.
      // Pods known now, and (asked again for the rare uid not among them) pods added since.
      const live = new Set(this.pods.list().map((p) => p.metadata.uid ?? ''));
      await this.syncer.volumes.sweep((uid) => live.has(uid) || this.pods.list((p) => p.metadata.uid === uid).length > 0);
    } catch (e) {
      this.d.log.warn('resync: cannot sweep volumes', { error: e instanceof Error ? e.message : String(e) });
    }
    try {
      const containers = await this.d.runtime.list(nodeSelector(this.d.nodeName));
      for (const c of containers) {
        const ns = c.labels[LABELS.podNamespace];
        const name = c.labels[LABELS.podName];
        if (!ns || !name) continue;
        const pod = this.pods.getByName(ns, name);
        if (!pod || pod.metadata.uid !== c.labels[LABELS.podUid]) this.queue.enqueue(objectKey(ns, name));
      }
    } catch (e) {
      this.d.log.warn('resync: cannot list containers', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async reconcile(key: string): Promise<void> {
    const { namespace = 'default', name } = splitKey(key);
    const cached = this.pods.get(key);
    if (!cached) {
      // The informer is complete only after its first list; before, "absent" means "unknown".
      if (this.pods.hasSynced()) await this.syncer.removeOrphans(namespace, name);
      return;
    }
    // The cache is shared: work on a copy.
    const pod = structuredClone(cached);
    if (pod.metadata.deletionTimestamp) {
      await this.syncer.terminate(pod);
      return;
    }
    const again = await this.syncer.sync(pod);
    if (again !== undefined) throw new RequeueAfter(again);
  }
}

const SANDBOX_GONE = new Set(['die', 'kill', 'oom', 'stop', 'destroy']);

function onlyStatusChanged(a: Pod, b: Pod): boolean {
  // Readiness gates' conditions are set by others in the status, and decide the pod's Ready.
  if (b.spec.readinessGates && JSON.stringify(a.status?.conditions) !== JSON.stringify(b.status?.conditions)) return false;
  const strip = (p: Pod) => JSON.stringify({ ...p, status: undefined, metadata: { ...p.metadata, resourceVersion: undefined, managedFields: undefined } });
  return strip(a) === strip(b);
}
