import { get, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUdpEchoImage, UDP_ECHO_IMAGE, UDP_ECHO_PORT } from '../../src/orchestrator/agent/testing/images.js';
import { chainPrefix, vxlanDevice, wireguardDevice } from '../../src/orchestrator/agent/hostnet/names.js';
import { hostnetContainerName } from '../../src/orchestrator/agent/hostnet/launcher.js';
import { createLab, type Lab, type LabHost } from '../lab/lab.js';
import { run } from '../lab/run.js';
import type { TestControlPlane } from '../support/controlPlane.js';
import { eventually, type Kubectl } from '../support/kubectl.js';
import { startLabCluster } from '../support/labCluster.js';

/*
 * Cluster networking across real hosts: two lab hosts (network namespaces on one bridge, each with
 * its own sshd and Docker engine), added over SSH. The lab adds no route to any pod: every route,
 * rule, VXLAN and WireGuard device is Skiff's (its host component on each host). Traffic starts in pods (kubectl
 * exec) and on this machine, which is not a node and has no route to pods either.
 */

let lab: Lab;
let t: TestControlPlane;
let k: Kubectl;

const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend}
spec:
  replicas: 2
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec:
      # Serves 5 s more after TERM (as a real server drains), so its endpoint goes before it does.
      terminationGracePeriodSeconds: 8
      nodeSelector: {kubernetes.io/hostname: lab-w2}
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        # index.html (and static/index.html, for the Ingress) names the pod; /cgi-bin/ip prints the caller's address as the pod sees it.
        command: ["sh", "-c", "mkdir -p /www/cgi-bin /www/static; echo $HOSTNAME > /www/index.html; echo static-$HOSTNAME > /www/static/index.html; printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip; chmod +x /www/cgi-bin/ip; httpd -f -p 8080 -h /www & trap 'sleep 5; exit 0' TERM; wait"]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: backend}
spec:
  type: LoadBalancer
  selector: {app: backend}
  ports: [{port: 8088, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: backend-pods}
spec:
  clusterIP: None
  selector: {app: backend}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: backend-alias}
spec:
  type: ExternalName
  externalName: backend.default.svc.cluster.local
---
apiVersion: v1
kind: Pod
metadata: {name: frontend}
spec:
  nodeSelector: {kubernetes.io/hostname: lab-w1}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: local/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - host: shop.lab
    http:
      paths:
      - {path: /, pathType: Exact, backend: {service: {name: backend, port: {number: 8088}}}}
      - {path: /static, pathType: Prefix, backend: {service: {name: backend, port: {number: 8088}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: echo-udp, labels: {app: echo-udp}}
spec:
  nodeSelector: {kubernetes.io/hostname: lab-w2}
  terminationGracePeriodSeconds: 1
  containers:
  - name: echo
    image: ${UDP_ECHO_IMAGE}
    imagePullPolicy: Never
    command: ["/udp-echo"]
---
apiVersion: v1
kind: Service
metadata: {name: echo-udp}
spec:
  selector: {app: echo-udp}
  ports: [{port: 53, targetPort: ${UDP_ECHO_PORT}, protocol: UDP}]
`;

function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

const inHost = (netns: string, ...args: string[]) => run('ip', ['netns', 'exec', netns, ...args], { allowFail: true });
const exec = (pod: string, script: string, timeoutMs = 30_000) => k.ok(['exec', pod, '--', 'sh', '-c', script], { timeoutMs });
const jp = (args: string[]) => k.ok(['get', ...args]);
const backends = async () => (await jp(['pods', '-l', 'app=backend', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}={.metadata.deletionTimestamp}{"\\n"}{end}'])).split('\n').filter(Boolean).map((l) => l.split('=') as [string, string, string]);

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
  await Promise.all(lab.hosts.map((h) => ensureUdpEchoImage(h.dockerSocket)));
  t = await startLabCluster(lab);
  k = t.kubectl;
  await k.ok(['apply', '-f', '-'], { input: APP });
  await eventually('backends, frontend and the UDP echo running', async () => {
    const out = await jp(['pods', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}']);
    return out.split('\n').filter((p) => p === 'Running').length === 4;
  }, 180_000, 1_000);
  // Long: createLab waits its turn for the machine's one lab (other suites may hold it for minutes).
}, 1_800_000);

afterAll(async () => {
  await t?.stop();
  await lab?.dispose();
});

describe('cluster networking across lab hosts', () => {
  it('routes pods across hosts by itself: the lab and this machine have no pod routes of their own', async () => {
    const cidrs = await jp(['nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}={.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}']);
    const nodes = cidrs.split('\n').filter(Boolean).map((l) => l.split('=') as [string, string, string]);
    expect(nodes).toHaveLength(2);
    // This machine routes none of the lab's pod ranges, nor anything through a lab host. (A Skiff of
    // the developer's own on this machine may have a pod bridge in the same default range: that
    // route is its own, on its own bridge, and is no route into the lab.)
    const machine = (await run('ip', ['route'])).stdout;
    for (const [, cidr, ip] of nodes) {
      expect(machine).not.toMatch(new RegExp(`^${cidr.replace(/[./]/g, '\\$&')} (via|dev lab0)`, 'm'));
      expect(machine).not.toContain(`via ${ip} `);
    }
    for (const [name, , ] of nodes) {
      const netns = lab.hosts.find((h) => h.name === name)?.netns as string;
      const routes = (await inHost(netns, 'ip', 'route')).stdout;
      for (const [peer, cidr, ip] of nodes) if (peer !== name) expect(routes).toContain(`${cidr} via ${ip} dev eth0 proto 83`);
    }
  });

  it('lets a pod on one host reach a pod on another by IP, keeping its own address', async () => {
    const [[, ip] = ['', '']] = await backends();
    const frontendIP = await jp(['pod', 'frontend', '-o', 'jsonpath={.status.podIP}']);
    expect((await exec('frontend', `timeout 5 wget -qO- http://${ip}:8080/`)).trim()).toMatch(/^backend-/);
    // The backend sees the frontend's own address: no NAT between pods.
    const caller = (await exec('frontend', `timeout 5 wget -qO- http://${ip}:8080/cgi-bin/ip`)).trim();
    expect(caller.replace(/^\[::ffff:(.*)\]$/, '$1')).toBe(frontendIP);
  });

  it('serves a backend Service\'s cluster IP on another host to a frontend pod, over every ready backend', async () => {
    const ip = await jp(['svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}']);
    const names = new Set((await backends()).map(([n]) => n));
    const seen = new Set<string>();
    await eventually('both backends answering the frontend', async () => {
      const out = await exec('frontend', `for i in 1 2 3 4 5 6; do timeout 3 wget -qO- http://${ip}:8088/; done`);
      for (const l of out.split('\n').filter(Boolean)) seen.add(l.trim());
      return [...names].every((n) => seen.has(n));
    }, 60_000, 500);
  });

  it('resolves Services by name on every node: a frontend on one host calls http://backend on another', async () => {
    const ip = await jp(['svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}']);
    expect((await exec('frontend', 'cat /etc/resolv.conf')).trim()).toMatch(/^nameserver 10\.96\.0\.10\nsearch default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    expect((await eventually('http://backend from the frontend', () => exec('frontend', 'timeout 5 wget -qO- http://backend:8088/'), 30_000)).trim()).toMatch(/^backend-/);
    expect((await exec('frontend', 'timeout 5 wget -qO- http://backend.default.svc.cluster.local:8088/')).trim()).toMatch(/^backend-/);
    // ExternalName: a CNAME, followed to the Service's address.
    const alias = await exec('frontend', 'nslookup backend-alias.default.svc.cluster.local');
    expect(alias).toContain('backend.default.svc.cluster.local');
    expect(alias).toContain(ip);
    // Headless: every ready backend's own address, and each by its dashed name.
    const ips = (await backends()).map(([, podIP]) => podIP);
    const headless = await exec('frontend', 'nslookup backend-pods.default.svc.cluster.local');
    for (const podIP of ips) expect(headless).toContain(podIP);
    const [first = ''] = ips;
    expect(await exec('frontend', `nslookup ${first.replace(/\./g, '-')}.backend-pods.default.svc.cluster.local`)).toContain(first);
    // The pod on the backends' host resolves too (its own node's server).
    const [[backendPod] = ['']] = await backends();
    expect(await exec(backendPod, 'nslookup backend.default.svc.cluster.local')).toContain(ip);
  });

  it('routes UDP across hosts', async () => {
    const ip = await jp(['svc', 'echo-udp', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(await exec('frontend', `timeout 10 nslookup skiff.test ${ip} 2>&1; true`)).toContain('Non-authoritative answer:');
  });

  it('answers the NodePort and the LoadBalancer on every node\'s address, from this machine', async () => {
    const nodePort = await jp(['svc', 'backend', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    const ingress = (await eventually('LoadBalancer addresses', async () => (await jp(['svc', 'backend', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])) || undefined, 30_000)).split(' ').sort();
    expect(ingress).toEqual(lab.hosts.map((h) => h.ip).sort());
    for (const h of lab.hosts) {
      expect(await eventually(`node port on ${h.name}`, () => httpGet(`http://${h.ip}:${nodePort}/`), 20_000)).toMatch(/^backend-/);
      expect(await eventually(`load balancer on ${h.name}`, () => httpGet(`http://${h.ip}:8088/`), 20_000)).toMatch(/^backend-/);
    }
  });

  it('lets only loadBalancerSourceRanges reach the LoadBalancer port, from this machine; the node port stays open', async () => {
    const nodePort = await jp(['svc', 'backend', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    const closed = (ip: string) => httpGet(`http://${ip}:8088/`, 1500).then(() => false, () => true);
    // This machine reaches the lab as 10.77.0.1: outside 10.77.0.250/32, inside 10.77.0.0/24.
    await k.ok(['patch', 'svc', 'backend', '-p', '{"spec":{"loadBalancerSourceRanges":["10.77.0.250/32"]}}']);
    for (const h of lab.hosts) {
      await eventually(`the LoadBalancer port on ${h.name} closed to this machine`, () => closed(h.ip), 30_000, 500);
      expect(await httpGet(`http://${h.ip}:${nodePort}/`)).toMatch(/^backend-/);
    }
    await k.ok(['patch', 'svc', 'backend', '-p', '{"spec":{"loadBalancerSourceRanges":["10.77.0.0/24"]}}']);
    for (const h of lab.hosts) expect(await eventually(`the LoadBalancer port on ${h.name} open to 10.77.0.0/24`, () => httpGet(`http://${h.ip}:8088/`), 30_000)).toMatch(/^backend-/);
    await k.ok(['patch', 'svc', 'backend', '--type=json', '-p', '[{"op":"remove","path":"/spec/loadBalancerSourceRanges"}]']);
  });

  it('routes an Ingress by host and path on every node\'s address, from this machine', async () => {
    const port = Number(await jp(['configmap', '-n', 'kube-system', 'skiff-network', '-o', 'jsonpath={.data.ingressHttpPort}']));
    const via = (ip: string, host: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: ip, port, path, headers: { host }, timeout: 3000, agent: false }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        });
        req.on('timeout', () => req.destroy(new Error(`timeout fetching ${host}${path} from ${ip}`)));
        req.on('error', reject);
        req.end();
      });
    const addrs = (await eventually('Ingress addresses', async () => (await jp(['ingress', 'shop', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])) || undefined, 30_000)).split(' ').sort();
    expect(addrs).toEqual(lab.hosts.map((h) => h.ip).sort());
    for (const h of lab.hosts) {
      // The backends run on lab-w2 only: lab-w1's proxy reaches them over the pod network.
      expect((await eventually(`ingress on ${h.name}`, async () => ((await via(h.ip, 'shop.lab', '/').catch(() => undefined))?.body.startsWith('backend-') ? 'ok' : undefined), 30_000))).toBe('ok');
      expect((await via(h.ip, 'shop.lab', '/static/')).body).toMatch(/^static-backend-/);
      expect((await via(h.ip, 'shop.lab', '/index.html')).status).toBe(404);
      expect(await via(h.ip, 'other.lab', '/')).toEqual({ status: 404, body: '404 page not found' });
    }
  });

  it('moves traffic to the other backends when one is killed mid-traffic', async () => {
    const ip = await jp(['svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}']);
    const [[victim] = ['']] = await backends();
    // 60 requests, 0.2 s apart, from the frontend; the victim is deleted two seconds in.
    const traffic = exec('frontend', `for i in $(seq 1 60); do r=$(timeout 3 wget -qO- http://${ip}:8088/) && echo "$r" || echo FAILED; sleep 0.2; done`, 120_000);
    await new Promise((r) => setTimeout(r, 2_000));
    await k.ok(['delete', 'pod', victim, '--wait=false']);
    const lines = (await traffic).split('\n').map((l) => l.trim()).filter(Boolean);
    expect(lines).toHaveLength(60);
    expect(lines.filter((l) => l === 'FAILED')).toEqual([]);
    const lastVictim = lines.lastIndexOf(victim);
    // After its endpoint went, only the others answer.
    expect(lines.slice(lastVictim + 1).length).toBeGreaterThan(30);
    expect(new Set(lines.slice(lastVictim + 1)).has(victim)).toBe(false);
  });

  it('switches the pod network to VXLAN when the cluster says so, and pods still reach each other', async () => {
    await k.ok(['patch', 'configmap', 'skiff-network', '-n', 'kube-system', '-p', '{"data":{"backend":"vxlan"}}']);
    const w1 = lab.hosts[0] as LabHost;
    await eventually('a VXLAN device and VXLAN routes on lab-w1', async () => (await inHost(w1.netns, 'ip', 'route')).stdout.includes(`dev ${vxlanDevice('lab-w1')} proto 83`), 60_000, 500);
    expect((await inHost(w1.netns, 'ip', '-d', 'link', 'show', vxlanDevice('lab-w1'))).stdout).toMatch(/vxlan id \d+ local 10\.77\.0\.11 .*dstport 8472/);
    const [[, podIP] = ['', '']] = (await backends()).filter(([, , deleting]) => !deleting);
    expect((await eventually('a backend pod over VXLAN', () => exec('frontend', `timeout 5 wget -qO- http://${podIP}:8080/`), 30_000)).trim()).toMatch(/^backend-/);
    await k.ok(['patch', 'configmap', 'skiff-network', '-n', 'kube-system', '-p', '{"data":{"backend":"auto"}}']);
    await eventually('host-gw again', async () => !(await inHost(w1.netns, 'ip', 'link', 'show', vxlanDevice('lab-w1'))).stdout.includes(vxlanDevice('lab-w1')), 60_000, 500);
  });

  it('switches the pod network to WireGuard: pods reach each other by IP and by Service name across hosts, encrypted, and a NetworkPolicy on one host judges a pod on the other', async () => {
    const [w1, w2] = lab.hosts as [LabHost, LabHost];
    const dev = wireguardDevice(w1.name);
    await k.ok(['patch', 'configmap', 'skiff-network', '-n', 'kube-system', '-p', '{"data":{"backend":"wireguard"}}']);
    const w2cidr = await jp(['node', w2.name, '-o', 'jsonpath={.spec.podCIDR}']);
    await eventually(`lab-w1 routes ${w2cidr} through its WireGuard device`, async () => (await inHost(w1.netns, 'ip', 'route')).stdout.split('\n').some((l) => l.startsWith(w2cidr) && l.includes(`dev ${dev} `)), 90_000, 500);
    // The WireGuard UDP counters of lab-w1's device: bytes sent to and received from lab-w2's peer.
    const transfer = async () => {
      const out = (await inHost(w1.netns, 'wg', 'show', dev, 'transfer')).stdout.trim().split(/\s+/);
      return { rx: Number(out[1] ?? 0), tx: Number(out[2] ?? 0) };
    };
    const podIP = async () => ((await backends()).find(([, ip, deleting]) => ip && !deleting) ?? ['', ''])[1];
    const before = await transfer();
    expect((await eventually('a backend pod on lab-w2 by IP over WireGuard', async () => (await exec('frontend', `timeout 5 wget -qO- http://${await podIP()}:8080/`).catch(() => '')).trim() || undefined, 60_000)).trim()).toMatch(/^backend-/);
    expect((await exec('frontend', 'timeout 5 wget -qO- http://backend:8088/')).trim()).toMatch(/^backend-/);
    expect((await exec('frontend', 'timeout 5 wget -qO- http://backend.default.svc.cluster.local:8088/')).trim()).toMatch(/^backend-/);
    const after = await transfer();
    // The pod traffic crossed the wire inside WireGuard: its UDP counters grew both ways.
    expect(after.tx).toBeGreaterThan(before.tx);
    expect(after.rx).toBeGreaterThan(before.rx);
    expect((await inHost(w1.netns, 'wg', 'show', dev, 'endpoints')).stdout).toContain(`${w2.ip}:`);

    // A policy on the backends (lab-w2) admits only pods labelled role=frontend: the frontend (lab-w1) is turned away, then let in.
    await k.ok(['apply', '-f', '-'], { input: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend-from-frontend}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {role: frontend}}}]
    ports: [{port: 8080}]
` });
    const probe = async () => (await exec('frontend', `timeout 3 wget -qO- http://${await podIP()}:8080/ 2>/dev/null && echo OK || echo DENIED`).catch(() => 'DENIED')).trim().split('\n').at(-1);
    await eventually('the frontend on lab-w1 denied by the policy on lab-w2', async () => ((await probe()) === 'DENIED' ? true : undefined), 60_000, 500);
    expect((await exec('frontend', 'timeout 3 wget -qO- http://backend:8088/ 2>/dev/null && echo OK || echo DENIED')).trim().split('\n').at(-1)).toBe('DENIED');
    await k.ok(['label', 'pod', 'frontend', 'role=frontend']);
    await eventually('the labelled frontend admitted', async () => ((await probe()) === 'OK' ? true : undefined), 60_000, 500);
    expect((await exec('frontend', 'timeout 5 wget -qO- http://backend:8088/')).trim()).toMatch(/^backend-/);

    await k.ok(['delete', 'networkpolicy', 'backend-from-frontend']);
    await k.ok(['label', 'pod', 'frontend', 'role-']);
    await k.ok(['patch', 'configmap', 'skiff-network', '-n', 'kube-system', '-p', '{"data":{"backend":"auto"}}']);
    await eventually('host-gw again, the WireGuard device gone', async () => !(await inHost(w1.netns, 'ip', 'link', 'show', dev)).stdout.includes(dev), 60_000, 500);
    expect((await eventually('a backend by IP over host-gw again', async () => (await exec('frontend', `timeout 5 wget -qO- http://${await podIP()}:8080/`).catch(() => '')).trim() || undefined, 30_000)).trim()).toMatch(/^backend-/);
  });

  it('removes a host\'s rules, routes and networks from it, and its routes from the others', async () => {
    const [w1, w2] = lab.hosts as [LabHost, LabHost];
    const w2cidr = await jp(['node', w2.name, '-o', 'jsonpath={.spec.podCIDR}']);
    expect((await inHost(w2.netns, 'iptables-save')).stdout).toContain(chainPrefix(w2.name));
    await k.ok(['delete', 'host', w2.name, '--timeout=180s'], { timeoutMs: 200_000 });
    expect((await inHost(w2.netns, 'iptables-save')).stdout).not.toContain(chainPrefix(w2.name));
    expect((await inHost(w2.netns, 'ip', 'route')).stdout).not.toContain('proto 83');
    expect((await inHost(w2.netns, 'ip', 'link')).stdout).not.toContain(vxlanDevice(w2.name));
    const docker = (args: string[]) => lab.dockerOn(w2.name, args).then((r) => r.stdout.trim());
    expect(await docker(['ps', '-a', '--filter', 'label=io.skiff.managed=true', '-q'])).toBe('');
    expect(await docker(['network', 'ls', '-q', '--filter', 'label=io.skiff.managed=true'])).toBe('');
    expect(await docker(['ps', '-a', '--filter', `name=${hostnetContainerName(w2.name)}`, '-q'])).toBe('');
    await eventually(`lab-w1 forgets its route to ${w2cidr}`, async () => !(await inHost(w1.netns, 'ip', 'route')).stdout.includes(w2cidr), 30_000, 500);
    // The rest of the cluster keeps working on the host that stays.
    expect((await inHost(w1.netns, 'iptables-save')).stdout).toContain(chainPrefix(w1.name));
  });
});
