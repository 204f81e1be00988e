import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { NODE_PORT_RANGE as NODE_PORTS } from '../../api/validation/network.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { contains, formatCidr, formatIPv4, parseCidr, parseIPv4, size, type Cidr } from '../../util/cidr.js';

/** The default service CIDR, as kube-apiserver's default `--service-cluster-ip-range`. */
export const SERVICE_CIDR = '10.96.0.0/12';

function ipToInt(ip: string): number {
  return parseIPv4(ip) ?? -1;
}

const intToIp = formatIPv4;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

/**
 * Assigns a Service its cluster IP (from the service CIDR, 10.96.0.0/12 unless set, never for
 * headless or ExternalName) and the node ports its type needs, as kube-apiserver's Service
 * registry does before validation. The range's first address is kept for the `kubernetes`
 * Service. Existing values are kept (they are immutable; validation refuses a change); an address
 * asked for must lie in the range and be free. Allocation reads the stored services; calls are
 * serialized so two creates never pick the same address.
 */
export class ServiceAllocator {
  private queue: Promise<unknown> = Promise.resolve();
  /** Addresses handed out but maybe not stored yet (a create in flight). */
  private readonly pending = new Set<number>();
  private readonly pendingPorts = new Set<number>();
  private readonly range: Cidr;
  private readonly reserved: Set<number>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    serviceCIDR: string = SERVICE_CIDR,
  ) {
    this.range = parseCidr(serviceCIDR);
    const { base } = this.range;
    // The network address, the `kubernetes` Service's address, cluster DNS's (the 10th, as
    // kubeadm and k3s choose it), and the broadcast address: never handed out on their own.
    this.reserved = new Set([base, base + 1, base + 10, base + size(this.range) - 1]);
  }

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
      const refuse = (why: string) =>
        errors.invalid({ group: '', resource: 'services', kind: 'Service' }, svc.metadata.name ?? '', [
          { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify([wanted])}: failed to allocate IP ${wanted}: ${why}`, field: 'spec.clusterIPs' },
        ]);
      // Not an address at all is validation's to report.
      if (n >= 0 && !contains(this.range, n)) throw refuse(`provided IP is not in the valid range. The range of valid IPs is ${formatCidr(this.range)}`);
      if (n >= 0 && (ips.has(n) || this.pending.has(n))) throw refuse('provided IP is already allocated');
    }
    if (typeof spec.clusterIP === 'string' && (spec.clusterIPs === undefined || (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 0))) {
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.clusterIP !== 'None') {
      if (spec.ipFamilies === undefined) spec.ipFamilies = ['IPv4'];
      if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
    }
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const portList = Array.isArray(spec.ports) ? spec.ports : [];
      // Node ports asked for: free, or already this Service's (kube-apiserver's "provided port is already allocated").
      const mine = new Set((Array.isArray(obj(old?.spec)?.ports) ? (obj(old?.spec)?.ports as unknown[]) : []).map((p) => obj(p)?.nodePort));
      const causes: { reason: string; message: string; field: string }[] = [];
      portList.forEach((p, i) => {
        const np = obj(p)?.nodePort;
        if (typeof np !== 'number' || np === 0 || mine.has(np)) return;
        if (ports.has(np) || this.pendingPorts.has(np)) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${np}: provided port is already allocated`, field: `spec.ports[${i}].nodePort` });
      });
      if (causes.length) throw errors.invalid({ group: '', resource: 'services', kind: 'Service' }, svc.metadata.name ?? '', causes);
      portList.forEach((p) => {
        const np = obj(p)?.nodePort;
        if (typeof np === 'number' && np !== 0 && !mine.has(np)) this.hold(this.pendingPorts, np);
      });
      for (const p of portList) {
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
    const { base } = this.range;
    const n0 = size(this.range);
    // Random, as kube-apiserver allocates, so addresses are not reused right after a delete; the
    // first 16 are left for addresses users pick (the DNS Service's 10.96.0.10).
    const low = n0 > 64 ? 16 : 2;
    for (let i = 0; i < 64; i++) {
      const n = base + low + Math.floor(Math.random() * (n0 - low - 1));
      if (!used.has(n) && !this.pending.has(n) && !this.reserved.has(n)) return n;
    }
    for (let n = base + 2; n < base + n0 - 1; n++) if (!used.has(n) && !this.pending.has(n)) return n;
    throw errors.internal(`the service IP range ${formatCidr(this.range)} is full`);
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
