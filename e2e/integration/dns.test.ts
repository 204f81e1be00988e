import * as packet from 'dns-packet';
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDNSIP } from '../../src/orchestrator/api/clusterNetwork.js';
import { startCompatCluster, type CompatCluster } from '../compat/cluster.js';
import { eventually } from '../support/kubectl.js';

/*
 * Cluster DNS on one real node: this machine's Docker engine and iptables, the agent's DNS server
 * behind the kube-dns Service, pods resolving with busybox's nslookup and wget through the
 * resolv.conf the agent wrote. Names outside the cluster go to an upstream resolver this test runs
 * (no internet here): it answers `*.example.test` with 192.0.2.7, TTL 1234.
 */

let c: CompatCluster;
let upstream: Socket;
const asked: string[] = [];

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend}
spec:
  replicas: 1
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www; echo backend-ok > /www/index.html; exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: backend}
spec:
  selector: {app: backend}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec:
  hostname: db-0
  subdomain: db
  setHostnameAsFQDN: true
  terminationGracePeriodSeconds: 1
  hostAliases: [{ip: 10.1.2.3, hostnames: [foo.local, bar.local]}]
  containers:
  - name: db
    image: local/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
    ports: [{containerPort: 5432, name: pg}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: upstream.example.test
---
apiVersion: v1
kind: Pod
metadata: {name: custom}
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.53]
    searches: [corp.example]
    options: [{name: ndots, value: "2"}]
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: local/busybox:1, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"]}
`;

/** The upstream: A 192.0.2.7 for names under example.test, NXDOMAIN otherwise. */
async function startUpstream(): Promise<number> {
  upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = packet.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    asked.push(name);
    const hit = name.endsWith('example.test') && q.questions?.[0]?.type === 'A';
    const out = packet.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: packet.RECURSION_AVAILABLE | (hit || name.endsWith('example.test') ? 0 : 3),
      questions: q.questions ?? [],
      answers: hit ? [{ name, type: 'A', class: 'IN', ttl: 1234, data: '192.0.2.7' }] : [],
    });
    upstream.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  return upstream.address().port;
}

const exec = (pod: string, script: string) => c.k.ok(['exec', pod, '--', 'sh', '-c', script], { timeoutMs: 30_000 });
const get_ = (args: string[]) => c.k.ok(['get', ...args]);

beforeAll(async () => {
  const port = await startUpstream();
  c = await startCompatCluster('dns', { dnsUpstreams: [`127.0.0.1:${port}`] });
  await c.k.ok(['apply', '-f', c.file('dns.yaml', manifests)]);
  await c.k.ok(['run', 'probe', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
  for (const p of ['probe', 'db-0', 'custom']) await c.phase(p);
  await eventually('backend ready', async () => (await get_(['endpoints', 'backend', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])) !== '', 90_000);
  await eventually('db-0 published under db', async () => (await get_(['endpoints', 'db', '-o', 'jsonpath={.subsets[*].addresses[*].hostname}'])) === 'db-0', 60_000);
});

afterAll(async () => {
  upstream?.close();
  await c?.stop();
});

describe('cluster DNS on one node', () => {
  it('serves the kube-dns Service at the tenth service address and writes the kubelet\'s resolv.conf', async () => {
    const dnsIP = clusterDNSIP(c.network.serviceCIDR);
    expect(await get_(['svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}'])).toBe(dnsIP);
    expect((await exec('probe', 'cat /etc/resolv.conf')).trim().split('\n')).toEqual([
      `nameserver ${dnsIP}`,
      expect.stringMatching(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local( |$)/),
      'options ndots:5',
    ]);
    expect((await exec('custom', 'cat /etc/resolv.conf')).trim()).toBe('nameserver 192.0.2.53\nsearch corp.example\noptions ndots:2');
  });

  it('resolves a Service by its short and full names, and a pod reaches it by name', async () => {
    const ip = await get_(['svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}']);
    const full = await eventually('nslookup backend.default.svc.cluster.local', async () => {
      const out = await exec('probe', 'nslookup backend.default.svc.cluster.local || true');
      return out.includes(ip) ? out : undefined;
    }, 30_000);
    expect(full).toContain(ip);
    expect((await exec('probe', 'timeout 5 wget -qO- http://backend/')).trim()).toBe('backend-ok');
    expect((await exec('probe', 'timeout 5 wget -qO- http://backend.default.svc.cluster.local/')).trim()).toBe('backend-ok');
  });

  it('resolves a headless Service and its pod by hostname.subdomain, and gives that pod its names', async () => {
    const podIP = await get_(['pod', 'db-0', '-o', 'jsonpath={.status.podIP}']);
    expect(await exec('probe', 'nslookup db.default.svc.cluster.local')).toContain(podIP);
    expect(await exec('probe', 'nslookup db-0.db.default.svc.cluster.local')).toContain(podIP);
    expect((await exec('db-0', 'hostname')).trim()).toBe('db-0.db.default.svc.cluster.local');
    const hosts = await exec('db-0', 'cat /etc/hosts');
    expect(hosts).toContain(`${podIP}\tdb-0.db.default.svc.cluster.local\tdb-0`);
    expect(hosts).toContain('10.1.2.3\tfoo.local\tbar.local');
  });

  it('answers ExternalName with a CNAME followed upstream, forwards other names, and says NXDOMAIN for unknown cluster names', async () => {
    const ext = await exec('probe', 'nslookup ext.default.svc.cluster.local');
    expect(ext).toContain('upstream.example.test');
    expect(ext).toContain('192.0.2.7');
    expect(await exec('probe', 'nslookup other.example.test')).toContain('192.0.2.7');
    expect(asked).toContain('other.example.test');
    const before = asked.length;
    const nx = await c.k.run(['exec', 'probe', '--', 'nslookup', 'nope.default.svc.cluster.local'], { timeoutMs: 30_000 });
    expect(`${nx.stdout}${nx.stderr}`).toMatch(/NXDOMAIN|can't find/);
    expect(asked.slice(before).filter((n) => n.endsWith('cluster.local'))).toEqual([]);
  });
});
