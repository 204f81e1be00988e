import type { Container, Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { Runtime } from '../runtime/types.js';
import type { ActionSpec, Prober } from './probes/prober.js';
import { formatPod } from './security.js';
import type { Recorder } from './types.js';

/** The kubelet never gives a container less than this to stop after its preStop hook. */
const MIN_GRACE_S = 2;
/** A hook runs at most this long when nothing else bounds it (postStart). */
const HOOK_TIMEOUT_MS = 10 * 60_000;

interface Hooks {
  postStart?: ActionSpec;
  preStop?: ActionSpec;
}

function hooksOf(c: Container | undefined): Hooks {
  return (c?.lifecycle as Hooks | undefined) ?? {};
}

/**
 * Container lifecycle hooks (`postStart`, `preStop`: exec, httpGet, sleep) and graceful stops, as
 * the kubelet's handler runner: a failed hook records `FailedPostStartHook` / `FailedPreStopHook`
 * with the kubelet's message; a stop runs the preStop hook within the grace period, then gives
 * the process what is left of it (at least 2 s) between SIGTERM and SIGKILL.
 */
export class Lifecycle {
  constructor(private readonly d: { runtime: Runtime; clock: Clock; recorder: Recorder; prober: Prober }) {}

  /** Runs the postStart hook; returns the failure message (the container must then be killed), if any. */
  async postStart(pod: Pod, c: Container, containerId: string, podIP: string | undefined): Promise<string | undefined> {
    const hook = hooksOf(c).postStart;
    if (!hook) return undefined;
    const err = await this.run(pod, c, containerId, podIP, hook, HOOK_TIMEOUT_MS);
    if (err === undefined) return undefined;
    this.d.recorder.record(pod, 'Warning', 'FailedPostStartHook', err);
    return err;
  }

  /**
   * Stops a container within `graceSeconds`: its preStop hook first (bounded by the grace period),
   * then SIGTERM, then SIGKILL after what remains. `c` is undefined for a container no longer in
   * the spec (then there is no hook).
   */
  async stop(pod: Pod, c: Container | undefined, containerId: string, podIP: string | undefined, graceSeconds: number): Promise<void> {
    const hook = hooksOf(c).preStop;
    let grace = Math.max(0, graceSeconds);
    if (hook && c && grace > 0) {
      const began = this.d.clock.now();
      const err = await this.run(pod, c, containerId, podIP, hook, grace * 1000);
      if (err !== undefined) this.d.recorder.record(pod, 'Warning', 'FailedPreStopHook', err);
      grace = Math.max(MIN_GRACE_S, grace - Math.ceil((this.d.clock.now() - began) / 1000));
    }
    await this.d.runtime.stop(containerId, grace);
  }

  /** One hook action; undefined when it succeeded, else the kubelet's message. */
  private async run(pod: Pod, c: Container, containerId: string, podIP: string | undefined, a: ActionSpec, timeoutMs: number): Promise<string | undefined> {
    if (a.sleep) {
      const ms = Math.min(timeoutMs, Math.max(0, a.sleep.seconds ?? 0) * 1000);
      await new Promise<void>((r) => this.d.clock.setTimeout(r, ms));
      return undefined;
    }
    const where = `for Container "${c.name}" in Pod "${formatPod(pod)}"`;
    try {
      const r = await this.d.prober.run(a, { container: c, containerId, ...(podIP ? { podIP } : {}) }, timeoutMs);
      if (a.exec) {
        if (r.ok) return undefined;
        const cmd = a.exec.command ?? [];
        return `Exec lifecycle hook ([${cmd.join(' ')}]) ${where} failed - error: command '${cmd.join(' ')}' exited with a non-zero status: ${r.output}, message: ${JSON.stringify(r.output)}`;
      }
      // The kubelet's HTTP hook fails only when the request does; any status answers it.
      if (a.httpGet && !r.ok && !r.output.startsWith('HTTP probe failed with statuscode')) {
        return `HTTP lifecycle hook (${a.httpGet.path ?? '/'}) ${where} failed - error: ${r.output}`;
      }
      return undefined;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return a.exec ? `Exec lifecycle hook ([${(a.exec.command ?? []).join(' ')}]) ${where} failed - error: ${msg}, message: ""` : `HTTP lifecycle hook (${a.httpGet?.path ?? '/'}) ${where} failed - error: ${msg}`;
    }
  }
}
