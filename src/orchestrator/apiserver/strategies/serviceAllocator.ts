import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';

/** The service CIDR, as kube-apiserver's default `--service-cluster-ip-range`. */
export const SERVICE_CIDR = '10.96.0.0/12';
const BASE = ipToInt('10.96.0.0');
const SIZE = 1 << 20;
/** 10.96.0.1 is the `kubernetes` service's address on every cluster. */
const RESERVED = new Set([BASE, BASE + 1, BASE + SIZE - 1]);
const NODE_PORTS = { min: 30000, max: 32767 };

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

/**
 * Assigns a Service its cluster IP (from 10.96.0.0/12, unless headless or ExternalName) and the
 * node ports its type needs, as kube-apiserver's Service registry does before validation. Existing
 * values are kept (they are immutable; validation refuses a change). Allocation reads the stored
 * services; calls are serialized so two creates never pick the same address.
 */
export class ServiceAllocator {
  private queue: Promise<unknown> = Promise.resolve();
  /** Addresses handed out but maybe not stored yet (a create in flight). */
  private readonly pending = new Set<number>();
  private readonly pendingPorts = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  allocate(svc: KubeObject, old?: KubeObject): Promise<void> {
    const run = this.queue.then(() => this.assign(svc, old));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async assign(svc: KubeObject, old?: KubeObject): Promise<void> {
    const spec = obj(svc.spec);
    if (!spec) return;
    const type = (spec.type as string | undefined) ?? 'ClusterIP';
    if (type === 'ExternalName') {
      // An ExternalName service has no address: one it had before is released.
      delete spec.clusterIP;
      delete spec.clusterIPs;
      return;
    }
    const { ips, ports } = await this.used(svc);
    const wanted = spec.clusterIP;
    if (wanted === undefined || wanted === '' || wanted === null) {
      const ip = this.pick(ips);
      this.hold(this.pending, ip);
      spec.clusterIP = intToIp(ip);
    } else if (typeof wanted === 'string' && wanted !== 'None' && !old) {
      const n = ipToInt(wanted);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(wanted) && n >= BASE && n < BASE + SIZE && (ips.has(n) || this.pending.has(n))) {
        throw errors.invalid({ group: '', resource: 'services', kind: 'Service' }, svc.metadata.name ?? '', [
          { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify([wanted])}: failed to allocate IP ${wanted}: provided IP is already allocated`, field: 'spec.clusterIPs' },
        ]);
      }
    }
    if (typeof spec.clusterIP === 'string' && (spec.clusterIPs === undefined || (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 0))) {
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.clusterIP !== 'None') {
      if (spec.ipFamilies === undefined) spec.ipFamilies = ['IPv4'];
      if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
    }
    if (type === 'NodePort' || type === 'LoadBalancer') {
      for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
        const port = obj(p);
        if (!port || (typeof port.nodePort === 'number' && port.nodePort !== 0)) continue;
        const n = this.pickPort(ports);
        this.hold(this.pendingPorts, n);
        ports.add(n);
        port.nodePort = n;
      }
    }
  }

  /** Keeps an allocation out of others' reach for a few seconds, until the create is stored. */
  private hold(set: Set<number>, n: number): void {
    set.add(n);
    this.clock.setTimeout(() => set.delete(n), 10_000);
  }

  private async used(self: KubeObject): Promise<{ ips: Set<number>; ports: Set<number> }> {
    const ips = new Set<number>();
    const ports = new Set<number>();
    const { items } = await this.store.list('/registry/services/');
    for (const e of items) {
      const s = JSON.parse(e.value) as KubeObject;
      if (s.metadata.uid && s.metadata.uid === self.metadata.uid) continue;
      const spec = obj(s.spec);
      for (const ip of Array.isArray(spec?.clusterIPs) ? spec.clusterIPs : [spec?.clusterIP]) if (typeof ip === 'string' && ip !== 'None') ips.add(ipToInt(ip));
      for (const p of Array.isArray(spec?.ports) ? spec.ports : []) {
        const np = obj(p)?.nodePort;
        if (typeof np === 'number') ports.add(np);
      }
    }
    return { ips, ports };
  }

  private pick(used: Set<number>): number {
    // Random, as kube-apiserver allocates, so addresses are not reused right after a delete.
    for (let i = 0; i < 64; i++) {
      const n = BASE + 16 + Math.floor(Math.random() * (SIZE - 32));
      if (!used.has(n) && !this.pending.has(n) && !RESERVED.has(n)) return n;
    }
    for (let n = BASE + 2; n < BASE + SIZE - 1; n++) if (!used.has(n) && !this.pending.has(n)) return n;
    throw errors.internal(`the service IP range ${SERVICE_CIDR} is full`);
  }

  private pickPort(used: Set<number>): number {
    const range = NODE_PORTS.max - NODE_PORTS.min + 1;
    const start = Math.floor(Math.random() * range);
    for (let i = 0; i < range; i++) {
      const p = NODE_PORTS.min + ((start + i) % range);
      if (!used.has(p) && !this.pendingPorts.has(p)) return p;
    }
    throw errors.internal('no node port is free in 30000-32767');
  }
}
