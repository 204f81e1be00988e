import { describe, expect, it } from 'vitest';
import type { CommandRunner } from './exec.js';
import { wireguardDevice } from './names.js';
import { planRoutes } from './routePlan.js';
import { applyRoutes } from './routes.js';
import type { HostNetDesired } from './types.js';

/** A host with no WireGuard at all (no kernel module, no wireguard-go) and no devices yet: every other command succeeds. */
class NoWireGuardHost implements CommandRunner {
  lines: string[] = [];
  async run(cmd: string, args: readonly string[]) {
    const line = `${cmd} ${args.join(' ')}`;
    this.lines.push(line);
    if (line.startsWith('ip -d -j link show')) return { code: 1, stdout: '', stderr: 'Device does not exist.' };
    if (line.includes('type wireguard')) return { code: 2, stdout: '', stderr: 'Error: Unknown device type.' };
    if (cmd === 'wireguard-go') return { code: 127, stdout: '', stderr: 'wireguard-go: not found' };
    return { code: 0, stdout: '[]', stderr: '' };
  }
}

const KEY = 'dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=';
const PEER_KEY = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=';
const desired = (backend: HostNetDesired['backend']): HostNetDesired => ({
  node: 'n1',
  clusterCIDR: '10.42.0.0/16',
  nodeIP: '10.77.0.11',
  podCIDR: '10.42.1.0/24',
  backend,
  vxlan: { vni: 7, port: 8472 },
  wireguard: { port: 51820, privateKey: KEY },
  peers: [
    { node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12', publicKey: PEER_KEY },
    { node: 'n3', podCIDR: '10.42.3.0/24', nodeIP: '192.168.50.3', publicKey: PEER_KEY.replace('h', 'g') },
  ],
  rules: [],
});
const facts = { routes: [{ dst: '10.77.0.0/24', dev: 'eth0', protocol: 'kernel' }], direct: new Set(['10.77.0.12']) };

describe('applyRoutes on a host that cannot run WireGuard', () => {
  it('auto: routes the trusted peer, leaves the one beyond the trusted networks unrouted (never in the clear), and says why', async () => {
    const host = new NoWireGuardHost();
    const plan = planRoutes(desired('auto'), facts);
    expect(await applyRoutes(host, desired('auto'), plan)).toBeUndefined();
    const routeAdds = host.lines.filter((l) => l.startsWith('ip route replace'));
    expect(routeAdds).toHaveLength(1);
    expect(routeAdds[0]).toMatch(/^ip route replace 10\.42\.2\.0\/24 via 10\.77\.0\.12 /);
    expect(host.lines.some((l) => l.includes('10.42.3.0/24'))).toBe(false);
    expect(plan.peers.find((p) => p.peer === 'n2')?.error).toBeUndefined();
    expect(plan.peers.find((p) => p.peer === 'n3')?.error).toMatch(
      new RegExp(`^pod traffic to it leaves the trusted networks, so it needs WireGuard, which this host cannot run: cannot create the WireGuard device ${wireguardDevice('n1')}: .*wireguard-go is not installed`),
    );
  });

  it('wireguard: the whole apply fails, as every peer needs the device', async () => {
    const host = new NoWireGuardHost();
    await expect(applyRoutes(host, desired('wireguard'), planRoutes(desired('wireguard'), facts))).rejects.toThrow(/cannot create the WireGuard device/);
    expect(host.lines.some((l) => l.startsWith('ip route replace'))).toBe(false);
  });
});
