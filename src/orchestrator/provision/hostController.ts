import { isConflict, isNotFound } from '../api/errors.js';
import { Informer } from '../client/Informer.js';
import { Backoff } from '../client/Backoff.js';
import { EventRecorder } from '../client/events.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import type { Logger } from '../util/logger.js';
import { DEFAULT_TUNNEL_PORT } from './agentFiles.js';
import { DEFAULT_TIMING, type ProvisionCtx, type ProvisionEnv, type Timing } from './context.js';
import { conditionTrue } from './plan.js';
import { provisionHost } from './provision.js';
import { connectHost } from './provisionSteps.js';
import { removeHost } from './removal.js';
import { parseHostSpec, type NormalizedHostSpec } from './spec.js';
import type { HostSession } from './ssh.js';
import { StatusReporter } from './status.js';
import { HOST_FINALIZER, type Host } from './types.js';

/**
 * What the host controller needs from the control plane: the provisioning environment, with the
 * tunnel port (default 16443), timing and process environment (for SSH_AUTH_SOCK) optional.
 */
export type HostControllerDeps = Omit<ProvisionEnv, 'tunnelPort' | 'timing' | 'env'> & {
  tunnelPort?: number;
  timing?: Partial<Timing>;
  env?: NodeJS.ProcessEnv;
};

interface Live {
  session: HostSession;
  specKey: string;
  nodeName: string;
  dialer?: { dispose(): void };
  shell?: { dispose(): void };
}

/**
 * Reconciles `hosts` (skiff.dev/v1alpha1 Host) into running agents and Ready Nodes, level-triggered:
 * informer events only enqueue; `reconcile` compares the Host with the live SSH connection it holds
 * and runs the idempotent provisioning steps when they differ. Holds one SSH connection per host
 * (keepalive): the agent's API tunnel and the node's dialer ride on it. A lost connection is
 * re-established with backoff without restarting the agent; so is every Host at start-up.
 * Deleting a Host runs the `skiff.dev/host-cleanup` finalizer. `dispose` closes the SSH
 * connections and leaves the agents (and their containers) running.
 */
export function startHostController(deps: HostControllerDeps): { dispose(): Promise<void> } {
  const c = new HostController(deps);
  c.start();
  return { dispose: () => c.dispose() };
}

class HostController {
  private readonly env: ProvisionEnv;
  private readonly log: Logger;
  private readonly informer: Informer<Host>;
  private readonly queue: ControllerLoop;
  private readonly live = new Map<string, Live>();
  /** Provisioning failures and lost connections, per host: SSH retries wait seconds, not milliseconds. */
  private readonly backoff: Backoff;
  private readonly retryAt = new Map<string, { at: number; specKey: string }>();
  private readonly running = new Map<string, AbortController>();
  private readonly removalTries = new Map<string, number>();
  private readonly events: EventRecorder;
  private disposed = false;
  private stopTick?: () => void;

  constructor(deps: HostControllerDeps) {
    this.log = deps.log.child({ component: 'host-controller' });
    this.env = {
      ...deps,
      log: this.log,
      tunnelPort: deps.tunnelPort ?? DEFAULT_TUNNEL_PORT,
      timing: { ...DEFAULT_TIMING, ...deps.timing },
      env: deps.env ?? process.env,
    };
    this.events = new EventRecorder({ client: deps.client, clock: deps.clock, log: this.log, component: 'host-controller' });
    this.informer = new Informer<Host>(deps.client, 'hosts', deps.clock, this.log);
    const { retryBaseMs, retryMaxMs } = this.env.timing;
    this.backoff = new Backoff(deps.clock, retryBaseMs, retryMaxMs);
    // Provisioning waits on the network; enough workers that one slow host does not hold up the rest.
    this.queue = runLoop('hosts', (key) => this.reconcile(key), { clock: deps.clock, log: this.log, workers: 8, initialBackoffMs: retryBaseMs, maxBackoffMs: retryMaxMs });
  }

  start(): void {
    let lastTick = this.env.clock.now();
    this.stopTick = this.env.clock.setInterval(() => {
      const now = this.env.clock.now();
      if (now - lastTick > this.env.timing.wakeAfterMs) void this.afterWake(now - lastTick);
      lastTick = now;
    }, 1_000);
    this.informer.addHandlers({
      onAdd: (h) => this.queue.enqueue(h.metadata.name as string),
      onUpdate: (old, h) => {
        const name = h.metadata.name as string;
        // A run for an outdated spec, or for a host being deleted, stops at its next step.
        if (h.metadata.deletionTimestamp || old.metadata.generation !== h.metadata.generation) this.running.get(name)?.abort();
        this.queue.enqueue(name);
      },
      onDelete: (h) => this.queue.enqueue(h.metadata.name as string),
    });
    this.informer.start();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopTick?.();
    this.informer.stop();
    this.queue.stop();
    for (const ac of this.running.values()) ac.abort();
    for (const name of [...this.live.keys()]) this.drop(name);
    // Cancelled runs end at once: a step stops waiting when its run is cancelled (provision.ts).
    await this.queue.idle();
  }

  private async reconcile(name: string): Promise<void> {
    if (this.disposed) return;
    let host: Host;
    try {
      host = await this.env.client.get<Host>('hosts', undefined, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.drop(name);
      return;
    }
    if (host.metadata.deletionTimestamp) return this.remove(host);
    if (!host.metadata.finalizers?.includes(HOST_FINALIZER)) {
      host.metadata.finalizers = [...(host.metadata.finalizers ?? []), HOST_FINALIZER];
      host = await this.env.client.update<Host>('hosts', host);
    }
    const parsed = parseHostSpec(host.spec);
    if (!parsed.spec) {
      // A user error: reported and left until the spec changes (which enqueues the host again).
      this.drop(name);
      const msg = `invalid spec: ${parsed.errors.join('; ')}`;
      if (host.status?.message !== msg) {
        await new StatusReporter(this.env.client, host, this.env.clock).update((s) => {
          s.phase = 'Failed';
          s.message = msg;
        });
      }
      return;
    }
    const specKey = JSON.stringify(parsed.spec);
    const live = this.live.get(name);
    if (live && live.specKey === specKey && live.session.isOpen) return;
    if (live) this.drop(name);
    const retry = this.retryAt.get(name);
    if (retry && retry.specKey === specKey && this.env.clock.now() < retry.at) return;
    await this.provision(host, parsed.spec, specKey);
  }

  private async provision(host: Host, spec: NormalizedHostSpec, specKey: string): Promise<void> {
    const name = host.metadata.name as string;
    const ac = new AbortController();
    this.running.set(name, ac);
    const ctx: ProvisionCtx = {
      env: this.env,
      host,
      name,
      spec,
      report: new StatusReporter(this.env.client, host, this.env.clock),
      signal: ac.signal,
      firstTime: !conditionTrue(host.status?.conditions, 'Provisioned'),
    };
    try {
      await provisionHost(ctx);
      const session = ctx.session as HostSession;
      const shell = this.env.shells?.register(name, { open: (size) => session.shell(size) });
      const l: Live = { session, specKey, nodeName: ctx.nodeName as string, dialer: ctx.dialer, shell };
      this.live.set(name, l);
      this.backoff.reset(name);
      this.retryAt.delete(name);
      this.log.info('host ready', { host: name, node: l.nodeName });
      if (ctx.firstTime) this.events.record(host, 'Normal', 'Provisioned', `joined the cluster as node ${l.nodeName}`);
      else this.events.record(host, 'Normal', 'Connected', `connected to ${spec.address}; node ${l.nodeName} is Ready`);
      void l.session.closed.then((err) => this.onDisconnect(name, l, err));
    } catch (e) {
      if (ac.signal.aborted || this.disposed) return;
      this.events.record(host, 'Warning', 'ProvisioningFailed', e instanceof Error ? e.message : String(e));
      this.scheduleRetry(name, specKey);
    } finally {
      if (this.running.get(name) === ac) this.running.delete(name);
    }
  }

  private scheduleRetry(name: string, specKey: string): void {
    this.backoff.next(name, this.env.clock.now());
    const delay = this.backoff.current(name);
    this.retryAt.set(name, { at: this.env.clock.now() + delay, specKey });
    this.queue.enqueueAfter(name, delay);
  }

  /** The SSH connection dropped: the agent keeps running; reconnect with backoff and re-open tunnel and dialer. */
  private onDisconnect(name: string, l: Live, err: Error | undefined): void {
    if (this.disposed || this.live.get(name) !== l) return;
    this.drop(name);
    const why = `lost the SSH connection${err ? ` (${err.message})` : ''}; reconnecting`;
    this.log.warn('host disconnected', { host: name, error: err?.message });
    const host = this.informer.get(name);
    if (host && !host.metadata.deletionTimestamp) {
      this.events.record(host, 'Warning', 'Disconnected', why);
      const report = new StatusReporter(this.env.client, host, this.env.clock);
      void report
        .update((s) => {
          s.phase = 'Connecting';
          s.message = why;
        })
        .then(() => report.condition('Connected', 'False', 'Disconnected', why))
        .catch(() => {});
    }
    this.scheduleRetry(name, l.specKey);
  }

  /**
   * The machine slept (or the process was frozen) for `ms`: connections may have died without a
   * word (a new network, a NAT that forgot them). Each one answers a ping within 15 s or is dropped
   * and reconnected at the first retry delay, its back-off forgotten: the agents kept running and
   * only the tunnels re-open.
   */
  private async afterWake(ms: number): Promise<void> {
    this.log.info('woke after a pause; checking every host connection', { seconds: Math.round(ms / 1000) });
    await Promise.all(
      [...this.live].map(async ([name, l]) => {
        // Generous: right after waking, this process and the host catch up on a backlog of work.
        if (await l.session.ping(15_000)) return;
        if (this.disposed || this.live.get(name) !== l) return;
        // Dead: a polite goodbye would wait on a host that cannot hear it.
        l.session.destroy();
        this.backoff.reset(name);
        this.onDisconnect(name, l, new Error(`no answer after a pause of ${Math.round(ms / 1000)} s`));
      }),
    );
  }

  /** Forgets the host's connection: unregisters its dialer and closes the session (the agent keeps running). */
  private drop(name: string): void {
    const l = this.live.get(name);
    if (!l) return;
    this.live.delete(name);
    l.dialer?.dispose();
    l.shell?.dispose();
    l.session.close();
  }

  private async remove(host: Host): Promise<void> {
    const name = host.metadata.name as string;
    if (!host.metadata.finalizers?.includes(HOST_FINALIZER)) {
      this.drop(name);
      return;
    }
    const nodeName = host.status?.nodeName;
    let session = this.live.get(name)?.session;
    let unreachable: string | undefined;
    let opened = false;
    if (nodeName && !session?.isOpen) {
      try {
        const parsed = parseHostSpec(host.spec);
        if (!parsed.spec) throw new Error(`invalid spec: ${parsed.errors.join('; ')}`);
        session = await connectHost(this.env, host, parsed.spec);
        opened = true;
      } catch (e) {
        const tries = (this.removalTries.get(name) ?? 0) + 1;
        this.removalTries.set(name, tries);
        unreachable = `host unreachable (${e instanceof Error ? e.message : String(e)})`;
        if (tries < this.env.timing.removalAttempts) {
          await new StatusReporter(this.env.client, host, this.env.clock).update((s) => {
            s.phase = 'Removing';
            s.message = `${unreachable}; retrying before removing it from the cluster anyway`;
          });
          throw e;
        }
      }
    }
    try {
      await removeHost({ client: this.env.client, report: new StatusReporter(this.env.client, host, this.env.clock), nodeName, session, unreachable });
    } finally {
      if (opened) session?.close();
      this.drop(name);
    }
    await this.removeFinalizer(name);
    this.removalTries.delete(name);
    this.backoff.reset(name);
    this.retryAt.delete(name);
    this.log.info('host removed', { host: name, node: nodeName });
  }

  private async removeFinalizer(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const h = await this.env.client.get<Host>('hosts', undefined, name);
        h.metadata.finalizers = (h.metadata.finalizers ?? []).filter((f) => f !== HOST_FINALIZER);
        await this.env.client.update('hosts', h);
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt >= 5) throw e;
      }
    }
  }
}
