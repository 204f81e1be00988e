import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from './exec.js';
import { wireguardDevice } from './names.js';
import type { WireGuardPlan } from './routePlan.js';
import { validateDesired } from './validate.js';
import { generateWireGuardPrivateKey, wireGuardPublicKey } from './wgKeys.js';
import { ensureWireGuard, removeWireGuard } from './wireguard.js';

/** A host with or without the kernel module and wireguard-go: one device, its key, port and peers, changed only by the commands given. */
class FakeWgHost implements CommandRunner {
  calls: { line: string; input?: string }[] = [];
  link?: { kind: string; mtu: number; up: boolean };
  key = '';
  port = 0;
  peers = new Map<string, string>();
  keyFile = '';
  keyFileMode = 0;

  constructor(private readonly o: { kernel: boolean; wireguardGo: boolean }) {}

  async run(cmd: string, args: readonly string[], opts?: { input?: string }) {
    const line = `${cmd} ${args.join(' ')}`;
    this.calls.push({ line, ...(opts?.input ? { input: opts.input } : {}) });
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    const dev = wireguardDevice('n1');
    if (line === `ip -d -j link show dev ${dev}`) return this.link ? ok(JSON.stringify([{ ifname: dev, mtu: this.link.mtu, flags: this.link.up ? ['UP'] : [], linkinfo: { info_kind: this.link.kind } }])) : { code: 1, stdout: '', stderr: `Device "${dev}" does not exist.` };
    if (line === `ip link add dev ${dev} type wireguard`) {
      if (!this.o.kernel) return { code: 2, stdout: '', stderr: 'Error: Unknown device type.' };
      this.link = { kind: 'wireguard', mtu: 1420, up: false };
      return ok();
    }
    if (cmd === 'wireguard-go') {
      if (!this.o.wireguardGo) return { code: 127, stdout: '', stderr: 'wireguard-go: not found' };
      this.link = { kind: 'tun', mtu: 1420, up: false };
      return ok();
    }
    if (line === `ip link del dev ${dev}`) {
      this.link = undefined;
      this.peers.clear();
      return ok();
    }
    if (line === `ip link set dev ${dev} up` && this.link) this.link.up = true;
    if (cmd === 'wg' && args[0] === 'show') {
      if (args[2] === 'public-key') return ok(this.key ? `${wireGuardPublicKey(this.key)}\n` : '(none)\n');
      if (args[2] === 'listen-port') return ok(`${this.port}\n`);
      if (args[2] === 'peers') return ok([...this.peers.keys()].map((k) => `${k}\n`).join(''));
    }
    if (cmd === 'wg' && args[0] === 'set') {
      if (args[2] === 'listen-port') {
        this.port = Number(args[3]);
        const file = args[5] as string;
        this.keyFileMode = statSync(file).mode & 0o777;
        this.keyFile = file;
        this.key = readFileSync(file, 'utf8').trim();
      } else if (args[2] === 'peer' && args[4] === 'remove') this.peers.delete(args[3] as string);
      else if (args[2] === 'peer') this.peers.set(args[3] as string, args.slice(4).join(' '));
    }
    return ok();
  }
}

const PRIV = generateWireGuardPrivateKey();
const K2 = wireGuardPublicKey(generateWireGuardPrivateKey());
const K3 = wireGuardPublicKey(generateWireGuardPrivateKey());
const plan = (peers: WireGuardPlan['peers']): WireGuardPlan => ({ device: wireguardDevice('n1'), address: '10.42.1.0/32', port: 51820, mtu: 1400, peers });
const peer = (publicKey: string, ip: string, cidr: string) => ({ publicKey, endpoint: `${ip}:51820`, allowedIPs: cidr, keepalive: 25 });

describe('the WireGuard device', () => {
  it.each([
    { kernel: true, implementation: 'kernel' },
    { kernel: false, implementation: 'wireguard-go' },
  ])('uses the kernel where it has the module, else wireguard-go ($implementation)', async ({ kernel, implementation }) => {
    const host = new FakeWgHost({ kernel, wireguardGo: true });
    const state = await ensureWireGuard(host, 'n1', plan([peer(K2, '10.77.0.12', '10.42.2.0/24')]), PRIV);
    expect(state).toEqual({ device: wireguardDevice('n1'), implementation, publicKey: wireGuardPublicKey(PRIV), port: 51820 });
    expect(host.key).toBe(PRIV);
    expect(host.peers.get(K2)).toBe('endpoint 10.77.0.12:51820 allowed-ips 10.42.2.0/24 persistent-keepalive 25');
    expect(host.link).toMatchObject({ up: true });
    // The private key went to wg in a 0600 file that is gone afterwards, never in an argument.
    expect(host.calls.some((c) => c.line.includes(PRIV) || c.input?.includes(PRIV))).toBe(false);
    expect(host.calls.map((c) => c.line)).toContain(`wg set ${wireguardDevice('n1')} listen-port 51820 private-key ${host.keyFile}`);
    expect(host.keyFileMode).toBe(0o600);
    expect(existsSync(host.keyFile)).toBe(false);
    expect(host.calls.map((c) => c.line)).toContain(`ip addr replace 10.42.1.0/32 dev ${wireguardDevice('n1')}`);
    expect(host.calls.map((c) => c.line)).toContain(`ip link set dev ${wireguardDevice('n1')} mtu 1400`);
  });

  it('says what to install when the kernel has no module and wireguard-go is missing', async () => {
    const host = new FakeWgHost({ kernel: false, wireguardGo: false });
    await expect(ensureWireGuard(host, 'n1', plan([]), PRIV)).rejects.toThrow(/the kernel has no wireguard link type \(Error: Unknown device type.\) and wireguard-go is not installed \(apt-get install wireguard-go\)/);
  });

  it('follows peers as nodes come and go, keeps its key, and goes away with the backend', async () => {
    const host = new FakeWgHost({ kernel: true, wireguardGo: false });
    await ensureWireGuard(host, 'n1', plan([peer(K2, '10.77.0.12', '10.42.2.0/24')]), PRIV);
    host.calls = [];
    await ensureWireGuard(host, 'n1', plan([peer(K3, '192.168.50.3', '10.42.3.0/24')]), PRIV);
    expect([...host.peers.keys()]).toEqual([K3]);
    expect(host.calls.some((c) => c.line.includes('private-key'))).toBe(false);
    expect(host.calls.some((c) => c.line.startsWith('ip link add'))).toBe(false);
    expect(await ensureWireGuard(host, 'n1', undefined, undefined)).toBeUndefined();
    expect(host.link).toBeUndefined();
    expect(await removeWireGuard(host, 'n1')).toBe(false);
  });

  it('refuses a malformed key without repeating it', () => {
    const base = { node: 'n1', clusterCIDR: '10.42.0.0/16', nodeIP: '10.77.0.11', podCIDR: '10.42.1.0/24', vxlan: { vni: 1, port: 8472 }, rules: [] };
    expect(() => validateDesired({ ...base, backend: 'wireguard', peers: [] })).toThrow('wireguard: is required with backend wireguard');
    let err: unknown;
    try {
      validateDesired({ ...base, backend: 'wireguard', wireguard: { port: 51820, privateKey: 'secret-but-wrong --rm' }, peers: [] });
    } catch (e) {
      err = e;
    }
    expect(String(err)).toContain('wireguard.privateKey: must be a WireGuard key');
    expect(String(err)).not.toContain('secret-but-wrong');
    expect(() => validateDesired({ ...base, backend: 'wireguard', wireguard: { port: 51820, privateKey: PRIV }, peers: [{ node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12', publicKey: 'x; reboot' }] })).toThrow(/peers\[0\]\.publicKey/);
    expect(validateDesired({ ...base, backend: 'wireguard', wireguard: { port: 51820, privateKey: PRIV }, peers: [{ node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12', publicKey: K2 }] }).peers[0]?.publicKey).toBe(K2);
  });
});
