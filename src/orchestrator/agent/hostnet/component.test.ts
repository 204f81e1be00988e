import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/clock.js';
import { HostNetComponent, ROUTE_RECHECK_MS, type SysctlIO } from './component.js';
import type { CommandRunner } from './exec.js';
import { chainPrefix, routeMetric } from './names.js';
import { PortHolder } from './ports.js';
import type { HostNetDesired } from './types.js';

/** A host in memory: a routing table and the iptables text, changed only by the commands it is given. */
class FakeHost implements CommandRunner {
  calls: string[] = [];
  restores: string[] = [];
  routes: { dst: string; gateway?: string; dev?: string; protocol?: string; metric?: number }[] = [
    { dst: 'default', gateway: '10.77.0.1', dev: 'eth0', protocol: 'boot' },
    { dst: '10.77.0.0/24', dev: 'eth0', protocol: 'kernel' },
  ];
  save = '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n';
  failRestore = false;

  async run(cmd: string, args: readonly string[], opts?: { input?: string }) {
    const line = `${cmd} ${args.join(' ')}`;
    this.calls.push(line);
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    if (cmd === 'iptables-save') return ok(this.save);
    if (cmd === 'iptables-restore' && args.includes('--noflush')) {
      if (this.failRestore) return { code: 1, stdout: '', stderr: 'iptables-restore: line 7 failed' };
      this.restores.push(opts?.input ?? '');
      return ok();
    }
    if (cmd === 'iptables') return ok('iptables v1.8.9 (nf_tables)\n');
    if (line === 'ip -j route show table main') return ok(JSON.stringify(this.routes));
    if (line.startsWith('ip route replace ')) {
      const [dst, , via] = args.slice(2);
      this.routes = this.routes.filter((r) => r.dst !== dst);
      this.routes.push({ dst: dst as string, gateway: via as string, dev: 'eth0', protocol: '83', metric: Number(args[args.length - 1]) });
      return ok();
    }
    if (line.startsWith('ip route del ')) {
      this.routes = this.routes.filter((r) => r.dst !== args[2]);
      return ok();
    }
    if (cmd === 'ip' && args.includes('link') && args.includes('show')) return { code: 1, stdout: '', stderr: 'Device does not exist' };
    return ok();
  }
}

const sysctls = (): SysctlIO & { values: Map<string, string> } => {
  const values = new Map([['net.ipv4.ip_forward', '0'], ['net.bridge.bridge-nf-call-iptables', '0']]);
  return { values, read: (k) => values.get(k), write: (k, v) => void values.set(k, v) };
};

const desired = (over: Partial<HostNetDesired> = {}): HostNetDesired => ({
  node: 'lab-w1',
  clusterCIDR: '10.42.0.0/16',
  nodeIP: '10.77.0.11',
  podCIDR: '10.42.1.0/24',
  backend: 'auto',
  vxlan: { vni: 9, port: 8472 },
  peers: [{ node: 'lab-w2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12' }],
  rules: [{ table: 'nat', chain: 'PRE', target: { kind: 'jump', chain: 'SVCS' } }],
  ...over,
});

describe('host component', () => {
  it('sets forwarding, restores the node\'s rules in one transaction, routes peers, and converges again', async () => {
    const host = new FakeHost();
    const sys = sysctls();
    const c = new HostNetComponent({ run: host, sysctl: sys, ports: new PortHolder(async () => () => {}) });
    const r = await c.apply(desired());
    expect(sys.values.get('net.ipv4.ip_forward')).toBe('1');
    expect(sys.values.get('net.bridge.bridge-nf-call-iptables')).toBe('1');
    expect(host.restores).toHaveLength(1);
    expect(host.restores[0]).toContain(`-A ${chainPrefix('lab-w1')}-PRE -j ${chainPrefix('lab-w1')}-SVCS`);
    expect(r.routes).toEqual([{ peer: 'lab-w2', podCIDR: '10.42.2.0/24', mode: 'host-gw' }]);
    expect(host.calls).toContain(`ip route replace 10.42.2.0/24 via 10.77.0.12 proto 83 metric ${routeMetric('lab-w1')}`);
    expect(r.iptables).toBe('iptables v1.8.9 (nf_tables)');

    // The peer leaves: its route goes, nothing else does.
    await c.apply(desired({ peers: [] }));
    expect(host.calls).toContain(`ip route del 10.42.2.0/24 proto 83 metric ${routeMetric('lab-w1')}`);
    expect(host.routes.map((x) => x.dst)).toEqual(['default', '10.77.0.0/24']);
  });

  it('refuses a bad request before running anything, naming the field', async () => {
    const host = new FakeHost();
    const c = new HostNetComponent({ run: host, sysctl: sysctls() });
    await expect(c.apply(desired({ peers: [{ node: 'x', podCIDR: '10.42.2.0/24; rm -rf /', nodeIP: '1.2.3.4' }] }))).rejects.toThrow(/peers\[0\].podCIDR/);
    await expect(c.apply(desired({ rules: [{ table: 'nat', chain: 'PRE', comment: 'a "quoted" comment', target: { kind: 'ACCEPT' } }] }))).rejects.toThrow(/rules\[0\].comment/);
    await expect(c.apply(desired({ rules: [{ table: 'nat', chain: 'PRE', target: { kind: 'jump', chain: 'INPUT; -F' } }] }))).rejects.toThrow(/rules\[0\].target.chain/);
    await expect(c.apply(desired({ rules: [{ table: 'nat', chain: 'PRE', target: { kind: 'DROP' } }] }))).rejects.toThrow(/DROP belongs in the filter table/);
    expect(host.calls).toEqual([]);
  });

  it('leaves the previous rules in place when iptables-restore refuses the new ones', async () => {
    const host = new FakeHost();
    host.failRestore = true;
    const c = new HostNetComponent({ run: host, sysctl: sysctls() });
    await expect(c.apply(desired())).rejects.toThrow('iptables-restore refused the rules: iptables-restore: line 7 failed');
    // Routes are not touched after a failed rule sync.
    expect(host.calls.some((l) => l.startsWith('ip route'))).toBe(false);
  });

  it('holds node ports, reports one another program holds, and releases them on cleanup', async () => {
    const closed: number[] = [];
    const holder = new PortHolder(async (p) => {
      if (p.port === 30001) throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
      return () => void closed.push(p.port);
    });
    const c = new HostNetComponent({ run: new FakeHost(), sysctl: sysctls(), ports: holder });
    const r = await c.holdPorts('lab-w1', [
      { port: 30000, protocol: 'TCP', owner: 'a' },
      { port: 30001, protocol: 'UDP', owner: 'b' },
    ]);
    expect(r.held.map((p) => p.port)).toEqual([30000]);
    expect(r.busy).toEqual([{ port: 30001, protocol: 'UDP', owner: 'b', error: 'another program on this host already uses it' }]);
    const cleaned = await c.cleanup('lab-w1');
    expect(cleaned.ports).toBe(1);
    expect(closed).toEqual([30000]);
  });

  it('on an endpoint change only writes the rules: no route pass, no version call, until the routes are due again or change', async () => {
    const host = new FakeHost();
    const clock = new FakeClock(1_000_000);
    const c = new HostNetComponent({ run: host, sysctl: sysctls(), clock });
    const first = await c.apply(desired());
    expect(first.phaseMs && 'routes' in first.phaseMs).toBe(true);
    host.calls = [];

    const endpoints = [{ table: 'nat' as const, chain: 'PRE', target: { kind: 'jump' as const, chain: 'OTHER' } }];
    const r = await c.apply(desired({ rules: endpoints }));
    expect(host.calls).toEqual(['iptables-save ', 'iptables-restore -w 5 --noflush']);
    expect(r.routes).toEqual(first.routes);
    expect(r.iptables).toBe('iptables v1.8.9 (nf_tables)');
    expect(r.phaseMs && 'routes' in r.phaseMs).toBe(false);

    // Past the recheck interval the same request reads the routes back (and repairs a lost one).
    host.routes = host.routes.filter((x) => x.dst !== '10.42.2.0/24');
    await clock.advance(ROUTE_RECHECK_MS);
    host.calls = [];
    await c.apply(desired({ rules: endpoints }));
    expect(host.calls).toContain(`ip route replace 10.42.2.0/24 via 10.77.0.12 proto 83 metric ${routeMetric('lab-w1')}`);

    // A peer change is routed at once.
    host.calls = [];
    await c.apply(desired({ rules: endpoints, peers: [] }));
    expect(host.calls).toContain(`ip route del 10.42.2.0/24 proto 83 metric ${routeMetric('lab-w1')}`);
    expect(host.calls.filter((l) => l.startsWith('iptables --version'))).toEqual([]);
  });
});
