import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { spawnRunner, type CommandRunner } from './exec.js';
import { Iptables } from './iptables.js';
import { PortHolder } from './ports.js';
import { directlyConnected, planRoutes } from './routePlan.js';
import { applyRoutes, readRoutes, removeNodeRoutes } from './routes.js';
import type { ApplyResult, CleanupResult, HeldPort, HostCheck, HostNet, HostNetDesired, PeerRoute, PortsResult, Rule, WireGuardState } from './types.js';
import { nodeName, validateDesired, validatePorts } from './validate.js';

/** Kernel settings by their sysctl name (`net.ipv4.ip_forward`). */
export interface SysctlIO {
  read(key: string): string | undefined;
  write(key: string, value: string): void;
}

export const procSysctl: SysctlIO = {
  read(key) {
    const path = `/proc/sys/${key.replace(/\./g, '/')}`;
    return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
  },
  write(key, value) {
    writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
  },
};

/**
 * Routes and devices are read back and repaired at most this often when what a node asks of them
 * has not changed (the agent's 30 s resync therefore always repairs them); a change of peers,
 * backend or pod CIDR is applied at once. Service rules are written on every apply.
 */
export const ROUTE_RECHECK_MS = 10_000;

/** The last route pass of a node: what it was asked, when, and what it found. */
interface RoutePass {
  key: string;
  at: number;
  routes: PeerRoute[];
  /** What the pass mended (planRoutes' warnings): said once, by the apply that ran it. */
  warnings: string[];
  wireguard?: WireGuardState;
}

/**
 * The host component itself (see `HostNet`): runs as root, in the host's network namespace,
 * either in the agent's process (when the agent is root) or in the `skiff-hostnet-<node>`
 * container (server.ts). Every request is validated again here; calls run one at a time.
 */
export class HostNetComponent implements HostNet {
  private readonly run: CommandRunner;
  private readonly sysctl: SysctlIO;
  private readonly ports: PortHolder;
  private readonly log: Logger;
  private readonly iptables: Iptables;
  private queue: Promise<unknown> = Promise.resolve();
  /** UDP endpoints (`ip:port`) each node's rules sent traffic to: flows to one that goes are cleared. */
  private readonly udpEndpoints = new Map<string, Set<string>>();
  private conntrack?: boolean;
  private readonly clock: Clock;
  private readonly routePasses = new Map<string, RoutePass>();

  constructor(o: { run?: CommandRunner; sysctl?: SysctlIO; ports?: PortHolder; log?: Logger; clock?: Clock } = {}) {
    this.run = o.run ?? spawnRunner;
    this.clock = o.clock ?? systemClock;
    this.sysctl = o.sysctl ?? procSysctl;
    this.ports = o.ports ?? new PortHolder();
    this.log = o.log ?? silentLogger;
    this.iptables = new Iptables(this.run);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async apply(raw: HostNetDesired): Promise<ApplyResult> {
    const d = validateDesired(raw);
    return this.serial(async () => {
      const phaseMs: Record<string, number> = {};
      let mark = this.clock.now();
      const lap = (phase: string) => {
        const now = this.clock.now();
        phaseMs[phase] = now - mark;
        mark = now;
      };
      const warnings = await this.ensureSysctls();
      lap('sysctl');
      // The Service rules first: an endpoint change is live as soon as this restore returns.
      const { chains } = await this.iptables.sync(d.node, d.rules);
      lap('iptables');
      await this.clearStaleUdpFlows(d.node, d.rules);
      lap('conntrack');
      const before = this.routePasses.get(d.node);
      const pass = await this.routePass(d);
      if (pass !== before) {
        lap('routes');
        warnings.push(...pass.warnings);
      }
      for (const p of pass.routes) if (p.error) this.log.warn('no route to a peer node', { peer: p.peer, error: p.error });
      const iptables = (await this.iptables.version()) ?? 'unknown';
      return { routes: pass.routes, chains, rules: d.rules.length, iptables, warnings, phaseMs, ...(pass.wireguard ? { wireguard: pass.wireguard } : {}) };
    });
  }

  /**
   * Reads the host's routes and makes the node's routes and devices match `d`, unless the last
   * pass was asked the same less than ROUTE_RECHECK_MS ago (then its findings stand): a Service's
   * endpoints changing needs no `ip` or `wg` process.
   */
  private async routePass(d: HostNetDesired): Promise<RoutePass> {
    const { rules: _rules, ...routing } = d;
    const key = JSON.stringify(routing);
    const last = this.routePasses.get(d.node);
    const now = this.clock.now();
    if (last && last.key === key && now - last.at < ROUTE_RECHECK_MS) return last;
    this.routePasses.delete(d.node);
    const routes = await readRoutes(this.run);
    // Pod bridges and VXLAN devices (any node's: skb…, skv…) never lead to a peer's own address.
    const direct = new Set(d.peers.filter((p) => directlyConnected(p.nodeIP, routes)).map((p) => p.nodeIP));
    const plan = planRoutes(d, { routes, direct });
    const wireguard = await applyRoutes(this.run, d, plan);
    const pass: RoutePass = { key, at: now, routes: plan.peers, warnings: plan.warnings, ...(wireguard ? { wireguard } : {}) };
    this.routePasses.set(d.node, pass);
    return pass;
  }

  async holdPorts(node: string, ports: HeldPort[]): Promise<PortsResult> {
    const n = nodeName(node);
    const list = validatePorts(ports);
    return this.serial(() => this.ports.set(n, list));
  }

  async cleanup(node: string): Promise<CleanupResult> {
    const n = nodeName(node);
    return this.serial(async () => {
      const rules = await this.iptables.cleanup(n);
      const routes = await removeNodeRoutes(this.run, n);
      const ports = this.ports.release(n);
      this.udpEndpoints.delete(n);
      this.routePasses.delete(n);
      return { ...rules, ...routes, ports };
    });
  }

  /** Closes every port this component holds (the in-process agent stopping); rules stay. */
  releasePorts(): void {
    this.ports.releaseAll();
  }

  async check(): Promise<HostCheck> {
    const missing: string[] = [];
    const iptables = await this.iptables.version();
    if (!iptables) missing.push('iptables is not installed (apt-get install iptables)');
    if ((await this.run.run('iptables-restore', ['--version'])).code !== 0) missing.push('iptables-restore is not installed (apt-get install iptables)');
    if ((await this.run.run('ip', ['-V'])).code !== 0) missing.push('ip (iproute2) is not installed (apt-get install iproute2)');
    const conntrack = await this.hasConntrack();
    // Only the wireguard backend needs these: reported, not required.
    const wireguard = { wg: (await this.run.run('wg', ['--version'])).code === 0, wireguardGo: (await this.run.run('wireguard-go', ['--version'])).code === 0 };
    return { ok: missing.length === 0, ...(iptables ? { iptables } : {}), conntrack, wireguard, missing };
  }

  /** Forwarding on (pods' traffic crosses the host), bridged traffic through iptables (Service replies on one bridge). */
  private async ensureSysctls(): Promise<string[]> {
    const warnings: string[] = [];
    const set = (key: string) => {
      if (this.sysctl.read(key) === '1') return true;
      try {
        this.sysctl.write(key, '1');
        return true;
      } catch (e) {
        warnings.push(`cannot set ${key}=1: ${e instanceof Error ? e.message : String(e)}`);
        return false;
      }
    };
    set('net.ipv4.ip_forward');
    if (this.sysctl.read('net.bridge.bridge-nf-call-iptables') === undefined) await this.run.run('modprobe', ['br_netfilter']);
    if (this.sysctl.read('net.bridge.bridge-nf-call-iptables') === undefined) {
      warnings.push('the br_netfilter kernel module is not loaded (modprobe br_netfilter): a pod cannot reach a Service whose endpoint is on the same node');
    } else set('net.bridge.bridge-nf-call-iptables');
    return warnings;
  }

  private async hasConntrack(): Promise<boolean> {
    this.conntrack ??= (await this.run.run('conntrack', ['--version'])).code === 0;
    return this.conntrack;
  }

  /**
   * UDP has no connection to end: a client keeps sending to the endpoint its conntrack entry names
   * even after the rules changed. Entries of endpoints that left are deleted, as kube-proxy does
   * (needs `conntrack`; without it they expire by themselves, in up to 180 s).
   */
  private async clearStaleUdpFlows(node: string, rules: readonly Rule[]): Promise<void> {
    const now = new Set(rules.filter((r) => r.protocol === 'udp' && r.target.kind === 'DNAT').map((r) => (r.target as { to: string }).to));
    const before = this.udpEndpoints.get(node) ?? new Set<string>();
    this.udpEndpoints.set(node, now);
    const gone = [...before].filter((e) => !now.has(e));
    if (!gone.length || !(await this.hasConntrack())) return;
    for (const ep of gone) {
      const [ip, port] = ep.split(':') as [string, string];
      await this.run.run('conntrack', ['-D', '-p', 'udp', '--reply-src', ip, '--reply-port-src', port]);
    }
  }
}
