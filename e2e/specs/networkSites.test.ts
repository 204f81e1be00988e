import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vxlanDevice, wireguardDevice } from '../../src/orchestrator/agent/hostnet/names.js';
import { createLab, type Lab, type LabHost } from '../lab/lab.js';
import { run } from '../lab/run.js';
import type { TestControlPlane } from '../support/controlPlane.js';
import { eventually, type Kubectl } from '../support/kubectl.js';
import { startLabCluster } from '../support/labCluster.js';

/*
 * The `auto` pod network across two sites: lab-w1 and lab-w2 share a LAN (10.77.0.0/24); lab-w3 is
 * on another network (10.77.1.0/24) that reaches them only through this machine, as a router
 * between two sites. Pod traffic stays in the clear on the shared LAN (host-gw) and is encrypted
 * (WireGuard) where it leaves it, on one node at once; the cluster's trusted networks move that line.
 * The lab adds no route to any pod: every route and device is Skiff's.
 */

let lab: Lab;
let t: TestControlPlane;
let k: Kubectl;

const WEB = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        # / names the pod; /cgi-bin/ip prints the caller's address as the pod sees it.
        command: ["sh", "-c", "mkdir -p /www/cgi-bin; echo $HOSTNAME > /www/index.html; printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip; chmod +x /www/cgi-bin/ip; exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
`;

const inHost = (netns: string, ...args: string[]) => run('ip', ['netns', 'exec', netns, ...args], { allowFail: true });
const exec = (pod: string, script: string) => k.ok(['exec', pod, '--', 'sh', '-c', script], { timeoutMs: 30_000 });
/** Node name -> [pod name, pod IP] of the DaemonSet's pods. */
const pods = async () =>
  new Map(
    (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}={.metadata.name}={.status.podIP}{"\\n"}{end}']))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('='))
      .map(([node = '', name = '', ip = '']) => [node, [name, ip] as const]),
  );
const podCIDR = (node: string) => k.ok(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}']);
const routeTo = async (h: LabHost, cidr: string) => (await inHost(h.netns, 'ip', 'route', 'show', cidr)).stdout.trim();
const hasLink = async (h: LabHost, dev: string) => (await inHost(h.netns, 'ip', 'link', 'show', 'dev', dev)).code === 0;
const setTrusted = (value: string | null) => k.ok(['patch', 'configmap', 'skiff-network', '-n', 'kube-system', '-p', JSON.stringify({ data: { trustedNetworks: value } })]);

/** Every pod fetches every other pod's page by IP; returns the pairs that failed (eventually none). */
async function everyPairAnswers(what: string): Promise<void> {
  const all = [...(await pods()).entries()];
  expect(all).toHaveLength(3);
  for (const [from, [pod]] of all) {
    for (const [to, [name, ip]] of all) {
      if (from === to) continue;
      const body = await eventually(`${what}: the pod on ${from} reaches the pod on ${to} (${ip})`, async () => (await exec(pod, `timeout 5 wget -qO- http://${ip}:8080/ || true`)).trim() || undefined, 60_000, 1_000);
      expect(body).toBe(name);
    }
  }
}

beforeAll(async () => {
  lab = await createLab({ hosts: 3, hostOptions: { 'lab-w3': { routed: true } } });
  t = await startLabCluster(lab);
  k = t.kubectl;
  await k.ok(['apply', '-f', '-'], { input: WEB });
  await eventually('a web pod running on each of the three hosts', async () => {
    const out = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}']);
    return out.split('\n').filter((p) => p === 'Running').length === 3;
  }, 180_000, 1_000);
  // Long: createLab waits its turn for the machine's one lab (other suites may hold it for minutes).
}, 1_800_000);

afterAll(async () => {
  await t?.stop();
  await lab?.dispose();
});

describe('the auto pod network across two sites', () => {
  it('puts the third host on a network the others reach only through a router', async () => {
    const [w1, , w3] = lab.hosts as [LabHost, LabHost, LabHost];
    expect(w3.ip).toBe('10.77.1.13');
    expect((await inHost(w1.netns, 'ip', 'route', 'get', w3.ip)).stdout).toContain('via 10.77.0.1');
  });

  it('routes in the clear on the shared LAN and through WireGuard beyond it, on one node at once; pods on all three hosts reach each other, keeping their addresses', async () => {
    const [w1, w2, w3] = lab.hosts as [LabHost, LabHost, LabHost];
    const [c1, c2, c3] = await Promise.all([podCIDR(w1.name), podCIDR(w2.name), podCIDR(w3.name)]);
    await eventually('lab-w1: host-gw to lab-w2, WireGuard to lab-w3', async () => {
      const [to2, to3] = [await routeTo(w1, c2), await routeTo(w1, c3)];
      return to2.includes(`via ${w2.ip}`) && to3.includes(`dev ${wireguardDevice(w1.name)}`);
    }, 90_000, 500);
    await eventually('lab-w3: WireGuard to both', async () => (await routeTo(w3, c1)).includes(`dev ${wireguardDevice(w3.name)}`) && (await routeTo(w3, c2)).includes(`dev ${wireguardDevice(w3.name)}`), 90_000, 500);
    expect(await hasLink(w2, wireguardDevice(w2.name))).toBe(true);
    expect(await hasLink(w1, vxlanDevice(w1.name))).toBe(false);
    const cond = await k.ok(['get', 'node', w1.name, '-o', 'jsonpath={.status.conditions[?(@.type=="NetworkUnavailable")].message}']);
    expect(cond).toContain(`${w2.name} by host-gw`);
    expect(cond).toContain(`${w3.name} by wireguard`);

    const transfer = async () => {
      const lines = (await inHost(w3.netns, 'wg', 'show', wireguardDevice(w3.name), 'transfer')).stdout.trim().split('\n');
      return lines.map((l) => l.split(/\s+/)).reduce((a, [, rx, tx]) => ({ rx: a.rx + Number(rx ?? 0), tx: a.tx + Number(tx ?? 0) }), { rx: 0, tx: 0 });
    };
    const before = await transfer();
    await everyPairAnswers('auto');
    const after = await transfer();
    // The traffic to and from lab-w3 crossed the router inside WireGuard.
    expect(after.rx).toBeGreaterThan(before.rx);
    expect(after.tx).toBeGreaterThan(before.tx);
    // No NAT between pods, across the sites either.
    const p = await pods();
    const [pod1, ip1] = p.get(w1.name) ?? ['', ''];
    const [, ip3] = p.get(w3.name) ?? ['', ''];
    // busybox httpd prints an IPv4 caller as [::ffff:a.b.c.d].
    expect((await exec(pod1, `timeout 5 wget -qO- http://${ip3}:8080/cgi-bin/ip`)).trim().replace(/^\[::ffff:(.*)\]$/, '$1')).toBe(ip1);
  });

  it('sends the routed host\'s pods over VXLAN once both sites are trusted networks, and drops the WireGuard devices', async () => {
    const [w1, w2, w3] = lab.hosts as [LabHost, LabHost, LabHost];
    const [c2, c3] = await Promise.all([podCIDR(w2.name), podCIDR(w3.name)]);
    await setTrusted('10.77.0.0/16');
    await eventually('lab-w1: host-gw to lab-w2, VXLAN to lab-w3', async () => {
      const [to2, to3] = [await routeTo(w1, c2), await routeTo(w1, c3)];
      return to2.includes(`via ${w2.ip}`) && to3.includes(`dev ${vxlanDevice(w1.name)}`);
    }, 90_000, 500);
    for (const h of [w1, w2, w3]) await eventually(`${h.name} without its WireGuard device`, async () => !(await hasLink(h, wireguardDevice(h.name))), 60_000, 500);
    await everyPairAnswers('trusted');
  });

  it('encrypts the shared LAN too when nothing is trusted, and goes back to the default', async () => {
    const [w1, w2] = lab.hosts as [LabHost, LabHost, LabHost];
    const c2 = await podCIDR(w2.name);
    await setTrusted('');
    await eventually('lab-w1: WireGuard to lab-w2 on the shared LAN', async () => (await routeTo(w1, c2)).includes(`dev ${wireguardDevice(w1.name)}`), 90_000, 500);
    await everyPairAnswers('nothing trusted');
    await setTrusted(null);
    await eventually('lab-w1: host-gw to lab-w2 again', async () => (await routeTo(w1, c2)).includes(`via ${w2.ip}`), 90_000, 500);
  });
});
