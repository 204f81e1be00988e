import { objectKey } from '../../../api/resources.js';
import type { Container, Pod } from '../../../api/types.js';
import type { Clock } from '../../../util/clock.js';
import type { Logger } from '../../../util/logger.js';
import type { Recorder } from '../types.js';
import type { ActionSpec, Prober } from './prober.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeSpec extends ActionSpec {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** A running container of a pod, as the sync saw it. */
export interface RunningContainer {
  container: Container;
  id: string;
  /** Epoch ms. */
  startedAt: number;
}

interface Worker {
  podKey: string;
  podUid: string;
  kind: ProbeKind;
  name: string;
  containerId: string;
  startedAt: number;
  spec: ProbeSpec;
  container: Container;
  podIP?: string;
  pod: Pod;
  /** Consecutive runs with the same result. */
  run: number;
  last?: boolean;
  /** The published result (after the thresholds). */
  result?: boolean;
  /** Liveness/startup failed: no more runs until the container is replaced. */
  onHold: boolean;
  busy: boolean;
  cancel?: () => void;
}

const LABEL: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/**
 * The kubelet's prober manager: one worker per (container, probe kind), on the agent's clock, so
 * probes keep running while the control plane is away. A worker waits `initialDelaySeconds` after
 * the container started, runs every `periodSeconds` with `timeoutSeconds`, and publishes a result
 * only after `successThreshold` / `failureThreshold` equal runs in a row. Readiness starts false;
 * liveness and readiness wait for a startup probe to succeed. Each failed run records an
 * `Unhealthy` event. A published liveness or startup failure puts the worker on hold and marks the
 * container failed: the pod's sync kills it (and the restart policy decides what follows). Any
 * published change calls `onChange(podKey)`. Results belong to a container id: a new run of the
 * container starts over.
 */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly d: { clock: Clock; log: Logger; recorder: Recorder; prober: Prober; onChange: (podKey: string) => void },
  ) {}

  /**
   * Brings the workers of a pod in line with its running containers (called on every sync):
   * starts workers for new containers, restarts them for a new run, stops those of containers
   * that no longer run.
   */
  update(pod: Pod, running: RunningContainer[], podIP: string | undefined): void {
    const uid = pod.metadata.uid ?? '';
    const podKey = objectKey(pod.metadata.namespace, pod.metadata.name ?? '');
    const wanted = new Set<string>();
    for (const r of running) {
      for (const kind of ['liveness', 'readiness', 'startup'] as const) {
        const spec = r.container[`${kind}Probe`] as ProbeSpec | undefined;
        if (!spec) continue;
        const key = `${uid}/${r.container.name}/${kind}`;
        wanted.add(key);
        const w = this.workers.get(key);
        if (w && w.containerId === r.id) {
          w.podIP = podIP;
          w.pod = pod;
          continue;
        }
        w?.cancel?.();
        const fresh: Worker = { podKey, podUid: uid, kind, name: r.container.name, containerId: r.id, startedAt: r.startedAt, spec, container: r.container, pod, run: 0, onHold: false, busy: false, ...(podIP ? { podIP } : {}) };
        this.workers.set(key, fresh);
        this.schedule(fresh, Math.max(0, r.startedAt + (spec.initialDelaySeconds ?? 0) * 1000 - this.d.clock.now()));
      }
    }
    for (const [k, w] of this.workers) {
      if (w.podUid === uid && !wanted.has(k)) {
        w.cancel?.();
        this.workers.delete(k);
      }
    }
  }

  /** The pod is gone: stop its workers. */
  remove(podUid: string): void {
    for (const [k, w] of this.workers) {
      if (w.podUid !== podUid) continue;
      w.cancel?.();
      this.workers.delete(k);
    }
  }

  stop(): void {
    for (const w of this.workers.values()) w.cancel?.();
    this.workers.clear();
  }

  /** Readiness of a container run: undefined without a readiness probe; false until it succeeds. */
  ready(podUid: string, name: string, containerId: string): boolean | undefined {
    return this.result(podUid, name, containerId, 'readiness', false);
  }

  /** Whether the startup probe succeeded: undefined without one. */
  started(podUid: string, name: string, containerId: string): boolean | undefined {
    return this.result(podUid, name, containerId, 'startup', false);
  }

  /** The probe kind that failed for this run (liveness or startup), when the container must be killed. */
  failed(podUid: string, name: string, containerId: string): { kind: ProbeKind; spec: ProbeSpec } | undefined {
    for (const kind of ['startup', 'liveness'] as const) {
      const w = this.workers.get(`${podUid}/${name}/${kind}`);
      if (w && w.containerId === containerId && w.result === false) return { kind, spec: w.spec };
    }
    return undefined;
  }

  private result(podUid: string, name: string, containerId: string, kind: ProbeKind, initial: boolean): boolean | undefined {
    const w = this.workers.get(`${podUid}/${name}/${kind}`);
    if (!w) return undefined;
    if (w.containerId !== containerId) return initial;
    return w.result ?? initial;
  }

  private schedule(w: Worker, ms: number): void {
    w.cancel = this.d.clock.setTimeout(() => void this.tick(w), ms);
  }

  private async tick(w: Worker): Promise<void> {
    if (this.workers.get(`${w.podUid}/${w.name}/${w.kind}`) !== w) return;
    const period = Math.max(1, w.spec.periodSeconds ?? 10) * 1000;
    const began = this.d.clock.now();
    if (!w.onHold && !w.busy && this.mayRun(w)) {
      w.busy = true;
      try {
        await this.probe(w);
      } finally {
        w.busy = false;
      }
    }
    // A startup probe that succeeded is done; every other worker goes on every period.
    if (this.workers.get(`${w.podUid}/${w.name}/${w.kind}`) !== w) return;
    if (w.kind === 'startup' && w.result === true) return;
    this.schedule(w, Math.max(0, period - (this.d.clock.now() - began)));
  }

  /** Liveness and readiness wait for the startup probe, when there is one. */
  private mayRun(w: Worker): boolean {
    if (w.kind === 'startup') return true;
    const s = this.workers.get(`${w.podUid}/${w.name}/startup`);
    return !s || (s.containerId === w.containerId && s.result === true);
  }

  private async probe(w: Worker): Promise<void> {
    const timeout = Math.max(1, w.spec.timeoutSeconds ?? 1) * 1000;
    let ok: boolean;
    let output: string;
    let errored = false;
    try {
      const r = await this.d.prober.run(w.spec, { container: w.container, containerId: w.containerId, ...(w.podIP ? { podIP: w.podIP } : {}) }, timeout);
      ok = r.ok;
      output = r.output;
    } catch (e) {
      ok = false;
      output = e instanceof Error ? e.message : String(e);
      errored = true;
    }
    if (this.workers.get(`${w.podUid}/${w.name}/${w.kind}`) !== w) return;
    if (errored) this.d.recorder.record(w.pod, 'Warning', 'Unhealthy', `${LABEL[w.kind]} probe errored: ${output}`);
    else if (!ok) this.d.recorder.record(w.pod, 'Warning', 'Unhealthy', `${LABEL[w.kind]} probe failed: ${output.trim()}`);
    w.run = w.last === ok ? w.run + 1 : 1;
    w.last = ok;
    const threshold = ok ? (w.spec.successThreshold ?? 1) : (w.spec.failureThreshold ?? 3);
    if (w.run < threshold) return;
    const changed = w.result !== ok;
    w.result = ok;
    if (!ok && (w.kind === 'liveness' || w.kind === 'startup')) {
      w.onHold = true;
      w.run = 0;
    }
    if (changed || (!ok && w.onHold)) this.d.onChange(w.podKey);
  }
}
