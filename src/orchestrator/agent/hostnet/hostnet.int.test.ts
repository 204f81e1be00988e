import Docker from 'dockerode';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { buildProxyRules } from '../proxy/rules.js';
import { DockerRuntime } from '../runtime/docker.js';
import { HostNetClient } from './client.js';
import { hostnetContainerName, removeHostNetContainer, startHostNetContainer } from './launcher.js';
import { chainPrefix, routeMetric, vxlanDevice, wireguardDevice } from './names.js';
import type { HostNetDesired } from './types.js';
import { generateWireGuardPrivateKey, wireGuardPublicKey } from './wgKeys.js';

/*
 * The host component against the real kernel: two "hosts" (network namespaces joined by a veth
 * pair), each with a pod bridge and one pod, each running the component program from the agent
 * bundle (`skiff-agent.js hostnet`, as its container runs it) in its namespace. Then the component
 * as the privileged container on this machine's Docker engine. Needs root and `npm run build`.
 */

const sh = promisify(execFile);
const run = async (cmd: string, ...args: string[]) => (await sh(cmd, args, { timeout: 30_000 })).stdout;
const inNs = (ns: string, ...args: string[]) => run('ip', 'netns', 'exec', ns, ...args);
const tryNs = (ns: string, ...args: string[]) => inNs(ns, ...args).then(() => true, () => false);

const BUNDLE = resolve('dist/agent/skiff-agent.js');
const tag = `${process.pid % 100000}`;
const octet = 100 + (process.pid % 100);
const dir = mkdtempSync(join(tmpdir(), 'skiff-hostnet-it-'));
const CLUSTER = `10.${octet}.0.0/16`;
const hosts = [
  { name: 'hn-a', ns: `skha${tag}`, pod: `skpa${tag}`, ip: `10.250.${octet}.1`, podCIDR: `10.${octet}.1.0/24`, podIP: `10.${octet}.1.2` },
  { name: 'hn-b', ns: `skhb${tag}`, pod: `skpb${tag}`, ip: `10.250.${octet}.2`, podCIDR: `10.${octet}.2.0/24`, podIP: `10.${octet}.2.2` },
] as const;
/** Each host's WireGuard key, made here as the agent makes it on its node. */
const keys = new Map(hosts.map((h) => [h.name, generateWireGuardPrivateKey()] as const));
const WG_PORT = 51820;
const servers: ChildProcess[] = [];
const clients: HostNetClient[] = [];
let web: ChildProcess | undefined;

async function hostUp(h: (typeof hosts)[number]): Promise<void> {
  await run('ip', 'netns', 'add', h.ns);
  await run('ip', 'netns', 'add', h.pod);
  await inNs(h.ns, 'ip', 'link', 'set', 'lo', 'up');
  await inNs(h.pod, 'ip', 'link', 'set', 'lo', 'up');
  // The pod bridge (what Docker makes for the node) and one pod on it.
  const gw = h.podCIDR.replace(/\.0\/24$/, '.1');
  await inNs(h.ns, 'ip', 'link', 'add', `skbt${tag}`, 'type', 'bridge');
  await inNs(h.ns, 'ip', 'addr', 'add', `${gw}/24`, 'dev', `skbt${tag}`);
  await inNs(h.ns, 'ip', 'link', 'set', `skbt${tag}`, 'up');
  await inNs(h.ns, 'ip', 'link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.pod);
  await inNs(h.ns, 'ip', 'link', 'set', 'vpod', 'master', `skbt${tag}`, 'up');
  await inNs(h.pod, 'ip', 'addr', 'add', `${h.podIP}/24`, 'dev', 'eth0');
  await inNs(h.pod, 'ip', 'link', 'set', 'eth0', 'up');
  await inNs(h.pod, 'ip', 'route', 'add', 'default', 'via', gw);
}

function desired(h: (typeof hosts)[number], backend: HostNetDesired['backend'], extraServices = false): HostNetDesired {
  const peer = hosts.find((x) => x.name !== h.name) as (typeof hosts)[number];
  const services = extraServices
    ? [{ apiVersion: 'v1', kind: 'Service' as const, metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: `10.251.${octet}.10`, ports: [{ port: 80, protocol: 'TCP' as const }] } }]
    : [];
  const slices = extraServices
    ? [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4' as const, endpoints: [{ addresses: [hosts[1].podIP], nodeName: 'hn-b' }], ports: [{ port: 8080, protocol: 'TCP' }] }]
    : [];
  return {
    node: h.name,
    clusterCIDR: CLUSTER,
    nodeIP: h.ip,
    podCIDR: h.podCIDR,
    backend,
    vxlan: { vni: 4242, port: 8472, mtu: 1450 },
    ...(backend === 'wireguard' ? { wireguard: { port: WG_PORT, privateKey: keys.get(h.name) as string, mtu: 1420 } } : {}),
    peers: [{ node: peer.name, podCIDR: peer.podCIDR, nodeIP: peer.ip, ...(backend === 'wireguard' ? { publicKey: wireGuardPublicKey(keys.get(peer.name) as string) } : {}) }],
    rules: buildProxyRules({ node: { name: h.name, clusterCIDR: CLUSTER, podCIDR: h.podCIDR }, services, slices }).rules,
  };
}

async function connect(socket: string): Promise<HostNetClient> {
  const c = new HostNetClient(socket, systemClock);
  for (let i = 0; ; i++) {
    try {
      await c.check();
      return c;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build`);
  for (const h of hosts) await hostUp(h);
  await run('ip', 'link', 'add', `hv${tag}a`, 'netns', hosts[0].ns, 'type', 'veth', 'peer', 'name', `hv${tag}b`, 'netns', hosts[1].ns);
  await inNs(hosts[0].ns, 'ip', 'addr', 'add', `${hosts[0].ip}/24`, 'dev', `hv${tag}a`);
  await inNs(hosts[1].ns, 'ip', 'addr', 'add', `${hosts[1].ip}/24`, 'dev', `hv${tag}b`);
  await inNs(hosts[0].ns, 'ip', 'link', 'set', `hv${tag}a`, 'up');
  await inNs(hosts[1].ns, 'ip', 'link', 'set', `hv${tag}b`, 'up');
  for (const h of hosts) {
    const socket = join(dir, `${h.name}.sock`);
    const p = spawn('ip', ['netns', 'exec', h.ns, process.execPath, BUNDLE, 'hostnet', '--socket', socket, '--owner-uid', '0', '--node', h.name], { stdio: 'ignore' });
    servers.push(p);
    clients.push(await connect(socket));
  }
});

afterAll(async () => {
  // Each node's cleanup deletes its devices first: a wireguard-go serving one exits only then (a
  // tun device keeps its namespace alive after `ip netns del`, and the process with it).
  for (const [i, c] of clients.entries()) await c.cleanup(hosts[i]?.name ?? '').catch(() => undefined);
  for (const c of clients) c.close();
  web?.kill();
  for (const p of servers) p.kill('SIGTERM');
  for (const h of hosts) {
    await run('ip', 'netns', 'del', h.ns).catch(() => undefined);
    await run('ip', 'netns', 'del', h.pod).catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('host component on the real kernel', () => {
  it('routes pods across hosts over VXLAN, then over host-gw, and back', async () => {
    const [a, b] = clients as [HostNetClient, HostNetClient];
    const ra = await a.apply(desired(hosts[0], 'vxlan'));
    await b.apply(desired(hosts[1], 'vxlan'));
    expect(ra.routes).toEqual([{ peer: 'hn-b', podCIDR: hosts[1].podCIDR, mode: 'vxlan' }]);
    expect(await inNs(hosts[0].ns, 'ip', '-d', 'link', 'show', vxlanDevice('hn-a'))).toMatch(/vxlan id 4242 local 10\.250\.\d+\.1 .*dstport 8472/);
    expect(await tryNs(hosts[0].pod, 'busybox', 'ping', '-c', '1', '-W', '3', hosts[1].podIP)).toBe(true);

    const rg = await a.apply(desired(hosts[0], 'host-gw'));
    await b.apply(desired(hosts[1], 'host-gw'));
    expect(rg.routes[0]?.mode).toBe('host-gw');
    expect(await tryNs(hosts[0].ns, 'ip', 'link', 'show', vxlanDevice('hn-a'))).toBe(false);
    expect(await inNs(hosts[0].ns, 'ip', 'route', 'show', hosts[1].podCIDR)).toContain(`via ${hosts[1].ip} dev hv${tag}a proto 83 metric ${routeMetric('hn-a')}`);
    expect(await tryNs(hosts[0].pod, 'busybox', 'ping', '-c', '1', '-W', '3', hosts[1].podIP)).toBe(true);
    // Pods keep their own address across hosts: no NAT between pods (a CGI prints the caller's address).
    const www = join(dir, 'www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'cgi-bin', 'ip'), '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n', { mode: 0o755 });
    web = spawn('ip', ['netns', 'exec', hosts[1].pod, 'busybox', 'httpd', '-f', '-p', '8081', '-h', www], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const caller = (await inNs(hosts[0].pod, 'busybox', 'wget', '-qO-', `http://${hosts[1].podIP}:8081/cgi-bin/ip`)).trim();
    expect(caller.replace(/^\[::ffff:(.*)\]$/, '$1')).toBe(hosts[0].podIP);
    web.kill();
  });

  it('serves a cluster IP from a pod on one host to a pod on the other, with the rules it was given', async () => {
    const [a, b] = clients as [HostNetClient, HostNetClient];
    await a.apply(desired(hosts[0], 'vxlan', true));
    await b.apply(desired(hosts[1], 'vxlan', true));
    const www = join(dir, 'www-b');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'served-by-b\n');
    web = spawn('ip', ['netns', 'exec', hosts[1].pod, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await inNs(hosts[0].pod, 'busybox', 'wget', '-qO-', `http://10.251.${octet}.10/`)).trim()).toBe('served-by-b');
    web.kill();
  });

  it("routes its own pods to their bridge when another program took the kernel's route away, and gives way when it is back", async () => {
    const [a, b] = clients as [HostNetClient, HostNetClient];
    const [ha, hb] = hosts;
    const bridge = `skbt${tag}`;
    const gw = ha.podCIDR.replace(/\.0\/24$/, '.1');
    await b.apply(desired(hb, 'vxlan'));
    await a.apply({ ...desired(ha, 'vxlan'), podBridge: bridge });
    expect(await tryNs(hb.pod, 'busybox', 'ping', '-c', '1', '-W', '3', ha.podIP)).toBe(true);
    await inNs(ha.ns, 'ip', 'route', 'del', ha.podCIDR, 'dev', bridge);
    expect(await tryNs(hb.pod, 'busybox', 'ping', '-c', '1', '-W', '2', ha.podIP)).toBe(false);
    // Another desired state (a new peer list): the pass runs now, not after ROUTE_RECHECK_MS.
    const mended = await a.apply({ ...desired(ha, 'vxlan'), podBridge: bridge, trustedNetworks: ['10.250.0.0/16'] });
    expect(mended.warnings).toContain(`the host had no route to this node's pods (${ha.podCIDR} dev ${bridge}; another program removed it?): added it, or Services and DNS would not reach pods here`);
    expect(await inNs(ha.ns, 'ip', 'route', 'show', ha.podCIDR)).toContain(`dev ${bridge} proto 83 scope link metric ${routeMetric('hn-a')}`);
    expect(await tryNs(hb.pod, 'busybox', 'ping', '-c', '1', '-W', '3', ha.podIP)).toBe(true);
    // The kernel's route back: the node's own goes once a pass looks again.
    await inNs(ha.ns, 'ip', 'route', 'add', ha.podCIDR, 'dev', bridge, 'proto', 'kernel', 'scope', 'link', 'src', gw);
    const gone = async () => !(await inNs(ha.ns, 'ip', 'route', 'show', ha.podCIDR)).includes('proto 83');
    for (let i = 0; !(await gone()) && i < 60; i++) {
      await a.apply({ ...desired(ha, 'vxlan'), podBridge: bridge });
      if (!(await gone())) await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(await inNs(ha.ns, 'ip', 'route', 'show', ha.podCIDR)).toBe(`${ha.podCIDR} dev ${bridge} proto kernel scope link src ${gw} \n`);
  });

  it('routes pods across hosts over WireGuard, encrypted on the wire; host removal and a switch back to host-gw leave nothing of it', async () => {
    const [a, b] = clients as [HostNetClient, HostNetClient];
    const [ha, hb] = hosts;
    const devA = wireguardDevice('hn-a');
    const devB = wireguardDevice('hn-b');
    const ra = await a.apply(desired(ha, 'wireguard'));
    const rb = await b.apply(desired(hb, 'wireguard'));
    expect(ra.routes).toEqual([{ peer: 'hn-b', podCIDR: hb.podCIDR, mode: 'wireguard' }]);
    // As wg-quick: the kernel's device where the kernel has the module, wireguard-go where it does not.
    const kernel = await tryNs(ha.ns, 'ip', 'link', 'add', 'skwprobe', 'type', 'wireguard');
    if (kernel) await inNs(ha.ns, 'ip', 'link', 'del', 'skwprobe');
    expect(ra.wireguard).toEqual({ device: devA, implementation: kernel ? 'kernel' : 'wireguard-go', publicKey: wireGuardPublicKey(keys.get('hn-a') as string), port: WG_PORT });
    expect(rb.wireguard?.implementation).toBe(ra.wireguard?.implementation);
    expect(await inNs(ha.ns, 'ip', 'route', 'show', hb.podCIDR)).toMatch(new RegExp(`dev ${devA} proto 83 (scope link )?metric ${routeMetric('hn-a')}`));
    expect(await inNs(ha.ns, 'ip', '-4', 'addr', 'show', 'dev', devA)).toContain(`${ha.podCIDR.replace(/\/24$/, '')}/32`);
    expect((await inNs(ha.ns, 'wg', 'show', devA, 'peers')).trim()).toBe(wireGuardPublicKey(keys.get('hn-b') as string));
    expect((await inNs(ha.ns, 'wg', 'show', devA, 'endpoints')).trim()).toBe(`${wireGuardPublicKey(keys.get('hn-b') as string)}\t${hb.ip}:${WG_PORT}`);
    // Applying again changes nothing (the sync loop re-applies every 30 s).
    await a.apply(desired(ha, 'wireguard'));
    expect((await inNs(ha.ns, 'wg', 'show', devA, 'peers')).trim().split('\n')).toHaveLength(1);

    // Count, on host a's link to host b, packets carrying a marker in clear and WireGuard's UDP packets.
    const marker = `skiffmarker${tag}`;
    const link = `hv${tag}a`;
    await inNs(ha.ns, 'iptables', '-t', 'mangle', '-A', 'POSTROUTING', '-o', link, '-m', 'string', '--string', marker, '--algo', 'bm', '-m', 'comment', '--comment', 'it-clear', '-j', 'RETURN');
    await inNs(ha.ns, 'iptables', '-t', 'mangle', '-A', 'POSTROUTING', '-o', link, '-p', 'udp', '--dport', String(WG_PORT), '-m', 'comment', '--comment', 'it-wg', '-j', 'RETURN');
    const counts = async () => {
      const out = await inNs(ha.ns, 'iptables', '-t', 'mangle', '-L', 'POSTROUTING', '-v', '-x', '-n');
      const pk = (c: string) => Number(out.split('\n').find((l) => l.includes(c))?.trim().split(/\s+/)[0] ?? NaN);
      return { clear: pk('it-clear'), wg: pk('it-wg') };
    };
    const www = join(dir, 'www-wg');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, `${marker}.txt`), `${marker} served by b\n`);
    web = spawn('ip', ['netns', 'exec', hb.pod, 'busybox', 'httpd', '-f', '-p', '8082', '-h', www], { stdio: 'ignore' });
    const fetchMarker = async () => {
      for (let i = 0; ; i++) {
        try {
          // (No -T: busybox 1.35's wget crashes with it; the exec's own 30 s timeout bounds a hung attempt.)
          return (await inNs(ha.pod, 'busybox', 'wget', '-qO-', `http://${hb.podIP}:8082/${marker}.txt`)).trim();
        } catch (e) {
          // The first packets wait for the handshake, and httpd for its socket: retry on the condition, not a sleep.
          if (i > 40) throw new Error(`${String(e)}\n${await inNs(ha.ns, 'wg', 'show', devA).catch(String)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    expect(await fetchMarker()).toBe(`${marker} served by b`);
    const wgCounts = await counts();
    expect(wgCounts.wg).toBeGreaterThan(0);
    expect(wgCounts.clear).toBe(0);
    const handshake = (await inNs(ha.ns, 'wg', 'show', devA, 'latest-handshakes')).trim().split('\t');
    expect(handshake[0]).toBe(wireGuardPublicKey(keys.get('hn-b') as string));
    expect(Number(handshake[1])).toBeGreaterThan(0);

    // Host b removed: its device (and its wireguard-go, if any) and routes go.
    const rm = await b.cleanup('hn-b');
    expect(rm.devices).toBe(1);
    expect(await tryNs(hb.ns, 'ip', 'link', 'show', devB)).toBe(false);
    expect(await inNs(hb.ns, 'ip', 'route')).not.toContain(ha.podCIDR);

    // Back to host-gw: everything WireGuard-owned on host a is gone, and pods still reach each other.
    await a.apply(desired(ha, 'host-gw'));
    await b.apply(desired(hb, 'host-gw'));
    expect(await tryNs(ha.ns, 'ip', 'link', 'show', devA)).toBe(false);
    expect(await inNs(ha.ns, 'ip', 'route')).not.toContain(devA);
    expect(await tryNs(ha.ns, 'wg', 'show', devA)).toBe(false);
    // wireguard-go exits when its device goes, and removes its control socket.
    for (let i = 0; existsSync(`/var/run/wireguard/${devA}.sock`) || existsSync(`/var/run/wireguard/${devB}.sock`); i++) {
      if (i > 100) throw new Error('wireguard-go kept its control socket after its device was deleted');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The control: the same transfer over host-gw is in clear on the same link (so the counter above could have seen it).
    expect(await fetchMarker()).toBe(`${marker} served by b`);
    const clear = await counts();
    expect(clear.clear).toBeGreaterThan(0);
    web.kill();
    await inNs(ha.ns, 'iptables', '-t', 'mangle', '-F', 'POSTROUTING');
  });

  it('refuses a bad request and leaves the rules as they were', async () => {
    const [a] = clients as [HostNetClient];
    const before = await inNs(hosts[0].ns, 'iptables-save', '-t', 'nat');
    const bad = { ...desired(hosts[0], 'vxlan'), clusterIP: undefined, peers: [{ node: 'x', podCIDR: '10.1.0.0/16; reboot', nodeIP: '1.1.1.1' }] };
    await expect(a.apply(bad as HostNetDesired)).rejects.toThrow(/peers\[0\]\.podCIDR/);
    const rulesOnly = (t: string) => t.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '');
    expect(rulesOnly(await inNs(hosts[0].ns, 'iptables-save', '-t', 'nat'))).toBe(rulesOnly(before));
  });

  it('removes exactly what the node made, and nothing else', async () => {
    const [a] = clients as [HostNetClient];
    const ns = hosts[0].ns;
    await inNs(ns, 'iptables', '-A', 'FORWARD', '-s', '192.0.2.99/32', '-m', 'comment', '--comment', 'not skiff', '-j', 'ACCEPT');
    await inNs(ns, 'ip', 'route', 'add', '198.51.100.0/24', 'via', hosts[1].ip, 'proto', '83', 'metric', '7');
    const r = await a.cleanup('hn-a');
    expect(r.chains).toBeGreaterThan(5);
    expect(r.links).toBe(6);
    expect(r.routes).toBe(1);
    const saved = await inNs(ns, 'iptables-save');
    expect(saved).not.toContain(chainPrefix('hn-a'));
    expect(saved).toContain('not skiff');
    expect(await inNs(ns, 'ip', 'route')).toContain('198.51.100.0/24 via');
    expect(await inNs(ns, 'ip', 'route')).not.toContain(hosts[1].podCIDR);
    expect(await tryNs(ns, 'ip', 'link', 'show', vxlanDevice('hn-a'))).toBe(false);
    expect(await a.cleanup('hn-a')).toEqual({ chains: 0, links: 0, routes: 0, devices: 0, ports: 0 });
  });
});

describe('host component as its container', () => {
  const node = `hostnet-it-${process.pid}`;
  const docker = new Docker();
  afterAll(async () => {
    await run('ip', 'link', 'del', 'dev', wireguardDevice(node)).catch(() => undefined);
    await removeHostNetContainer(docker, node);
  });

  it('runs the host\'s node on the bundle, chrooted, in the host\'s network namespace; serves its owner; cleans up', async () => {
    const socket = join(dir, 'container.sock');
    const client = await startHostNetContainer({ docker, runtime: new DockerRuntime(), node, nodePath: process.execPath, bundlePath: BUNDLE, socketPath: socket, ownerUid: 0, clock: systemClock, log: silentLogger });
    try {
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      const check = await client.check();
      expect(check.ok).toBe(true);
      expect(check.iptables).toMatch(/^iptables v/);
      const info = await docker.getContainer(hostnetContainerName(node)).inspect();
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.HostConfig.CapAdd).toEqual(['NET_ADMIN', 'NET_RAW', 'SYS_MODULE']);
      expect(info.HostConfig.NetworkMode).toBe('host');
      expect(info.Config.Labels).toMatchObject({ 'io.skiff.managed': 'true', 'io.skiff.node': node, 'io.skiff.hostnet': 'true' });
      const cluster = `10.${octet}.0.0/16`;
      await client.apply({ node, clusterCIDR: cluster, nodeIP: '127.0.0.1', backend: 'host-gw', vxlan: { vni: 1, port: 8472 }, peers: [], rules: buildProxyRules({ node: { name: node, clusterCIDR: cluster }, services: [], slices: [] }).rules });
      // The rules are in this machine's namespace: the container used the host's network and iptables.
      expect(await run('iptables-save', '-t', 'nat')).toContain(`${chainPrefix(node)}-SVCS`);
      // WireGuard from inside the container: the host's /dev/net/tun and wireguard-go (or the kernel's
      // module), the host's wg, run chrooted; a device with no peers, on a port nothing else uses.
      const wgPort = 40000 + (process.pid % 20000);
      const wgr = await client.apply({ node, clusterCIDR: cluster, nodeIP: '127.0.0.1', podCIDR: `10.${octet}.9.0/24`, backend: 'wireguard', vxlan: { vni: 1, port: 8472 }, wireguard: { port: wgPort, privateKey: generateWireGuardPrivateKey() }, peers: [], rules: buildProxyRules({ node: { name: node, clusterCIDR: cluster }, services: [], slices: [] }).rules });
      expect(wgr.wireguard).toMatchObject({ device: wireguardDevice(node), port: wgPort });
      expect(['kernel', 'wireguard-go']).toContain(wgr.wireguard?.implementation);
      expect((await run('wg', 'show', wireguardDevice(node), 'listen-port')).trim()).toBe(String(wgPort));
      const busy = await client.holdPorts(node, [{ port: 31999, protocol: 'TCP', owner: 'test' }]);
      expect(busy.held.length + busy.busy.length).toBe(1);
      // Started again with the same bundle: the running container is kept.
      const again = await startHostNetContainer({ docker, runtime: new DockerRuntime(), node, nodePath: process.execPath, bundlePath: BUNDLE, socketPath: socket, ownerUid: 0, clock: systemClock, log: silentLogger });
      expect((await docker.getContainer(hostnetContainerName(node)).inspect()).Id).toBe(info.Id);
      again.close();
      await client.cleanup(node);
      expect(await run('iptables-save')).not.toContain(chainPrefix(node));
      expect(await run('ip', 'link', 'show', 'dev', wireguardDevice(node)).then(() => true, () => false)).toBe(false);
    } finally {
      client.close();
    }
  });
});
