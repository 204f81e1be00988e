import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { get } from 'node:http';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contains, parseCidr } from '../../src/orchestrator/util/cidr.js';
import { chainPrefix } from '../../src/orchestrator/agent/hostnet/names.js';
import { startCompatCluster, type CompatCluster } from '../compat/cluster.js';
import { eventually } from '../support/kubectl.js';
import { ensureUdpEchoImage, UDP_ECHO_IMAGE, UDP_ECHO_PORT } from '../../src/orchestrator/agent/testing/images.js';

/*
 * The pod network and service proxy on one real node: this machine's Docker engine, its kernel's
 * iptables, a control plane in this process with pod and service ranges of its own (a concurrent
 * test on this machine has others). Traffic is sent from the node itself (this process) and from a
 * pod (kubectl exec). Cross-host traffic is the lab's (e2e/specs/network.test.ts).
 */

let c: CompatCluster;
let nodeIP = '';
let clusterCIDR = '';
const busyServer: Server = createServer();

const web = (name: string, replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www; echo $HOSTNAME > /www/index.html; exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080${extra}}]
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

function udpAsk(host: string, port: number, msg: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer from ${host}:${port}`));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString().trim());
    });
    s.send(msg, port, host);
  });
}

const get_ = (args: string[]) => c.k.ok(['get', ...args]);
const exec = (pod: string, script: string) => c.k.ok(['exec', pod, '--', 'sh', '-c', script], { timeoutMs: 30_000 });
const clusterIP = (svc: string) => get_(['svc', svc, '-o', 'jsonpath={.spec.clusterIP}']);
const readyPods = async (app: string) => (await get_(['pods', '-l', `app=${app}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'])).split('\n').filter((l) => l.endsWith('=True')).map((l) => l.split('=') as [string, string, string]);

beforeAll(async () => {
  c = await startCompatCluster('net');
  nodeIP = await get_(['node', c.nodeName, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}']);
  clusterCIDR = (await get_(['configmap', '-n', 'kube-system', 'skiff-network', '-o', 'jsonpath={.data.clusterCIDR}'])).trim();
  await c.k.ok(['apply', '-f', c.file('web.yaml', web('web', 2))]);
  await c.k.ok(['expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--type=NodePort']);
  await c.k.ok(['run', 'probe', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
  await eventually('two web pods ready', async () => (await readyPods('web')).length === 2, 90_000);
  await c.phase('probe');
});

afterAll(async () => {
  busyServer.close();
  await c?.stop();
});

describe('pod network and service proxy on one node', () => {
  it('gives the node a pod CIDR from the cluster range, pods addresses from it, and says the network is up', async () => {
    const podCIDR = await get_(['node', c.nodeName, '-o', 'jsonpath={.spec.podCIDR}']);
    expect(parseCidr(clusterCIDR).prefix).toBe(16);
    expect(contains(parseCidr(clusterCIDR), podCIDR.split('/')[0] as string)).toBe(true);
    for (const [, ip] of await readyPods('web')) expect(contains(parseCidr(podCIDR), ip)).toBe(true);
    const cond = await get_(['node', c.nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="NetworkUnavailable")].status} {.status.conditions[?(@.type=="NetworkUnavailable")].reason}']);
    expect(cond).toBe('False SkiffNetworkReady');
  });

  it('answers a ClusterIP from the node itself, spreading connections over the ready endpoints', async () => {
    const ip = await clusterIP('web');
    const names = new Set((await readyPods('web')).map(([n]) => n));
    const seen = new Set<string>();
    await eventually('both endpoints answering through the cluster IP', async () => {
      seen.add(await httpGet(`http://${ip}/`));
      return [...names].every((n) => seen.has(n));
    }, 30_000, 50);
    expect([...seen].every((s) => names.has(s))).toBe(true);
  });

  it('answers a ClusterIP and a pod IP from a pod, and gives it the Service variables', async () => {
    const ip = await clusterIP('web');
    const [[name, podIP] = ['', '']] = await readyPods('web');
    expect((await exec('probe', `timeout 5 wget -qO- http://${podIP}:8080/`)).trim()).toBe(name);
    expect((await readyPods('web')).map(([n]) => n)).toContain((await exec('probe', `timeout 5 wget -qO- http://${ip}/`)).trim());
    // The probe pod started after the Service existed: it has the docker-links variables.
    expect((await exec('probe', 'echo $WEB_SERVICE_HOST:$WEB_SERVICE_PORT $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT')).trim()).toBe(`${ip}:80 ${await clusterIP('kubernetes')}:443`);
  });

  it('answers the NodePort on the node\'s address', async () => {
    const port = await get_(['svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    expect((await readyPods('web')).map(([n]) => n)).toContain(await eventually('the node port', () => httpGet(`http://${nodeIP}:${port}/`), 20_000));
  });

  it('reaches the API through the kubernetes Service from the node and from a pod, TLS unchanged', async () => {
    const ip = await clusterIP('kubernetes');
    const version = await new Promise<string>((resolve, reject) => {
      const req = request(`https://${ip}/version`, { ca: c.t.cp.caPem, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    // The certificate names the Service's address: the CA verified it.
    expect(JSON.parse(version)).toMatchObject({ gitVersion: expect.stringContaining('skiff') });
    // From a pod, busybox's own TLS client reaches the API server through the Service and its relay,
    // and the server answers the handshake; busybox offers no signature algorithm the server's RSA
    // certificate can use (OpenSSL: "no suitable signature algorithm"), so it gets a TLS alert from
    // the API server, not a response: the request itself is checked from the node, above.
    const fromPod = await exec('probe', 'timeout 5 wget -qO- --no-check-certificate https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/version 2>&1; true');
    expect(fromPod).toMatch(/gitVersion|TLS error from peer \(alert code 40\)/);
  });

  it('routes UDP, from the node and from a pod', async () => {
    await ensureUdpEchoImage();
    await c.k.ok(['apply', '-f', c.file('udp.yaml', `apiVersion: v1
kind: Pod
metadata: {name: echo-udp, labels: {app: echo-udp}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: echo
    image: ${UDP_ECHO_IMAGE}
    imagePullPolicy: Never
    command: ["/udp-echo"]
    ports: [{containerPort: ${UDP_ECHO_PORT}, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-udp}
spec:
  selector: {app: echo-udp}
  ports: [{port: 53, targetPort: ${UDP_ECHO_PORT}, protocol: UDP}]
`)]);
    await c.phase('echo-udp');
    const ip = await clusterIP('echo-udp');
    expect(await eventually('a UDP answer through the cluster IP', () => udpAsk(ip, 53, 'ping'), 30_000)).toBe('ping');
    // From a pod: busybox's nslookup sends DNS queries over UDP to port 53; the echoed query reads
    // as an empty answer ("Non-authoritative answer:"), no reply as "connection timed out".
    expect(await exec('probe', `timeout 10 nslookup skiff.test ${ip} 2>&1; true`)).toContain('Non-authoritative answer:');
  });

  it('sends a client to the same endpoint with sessionAffinity ClientIP', async () => {
    await c.k.ok(['apply', '-f', c.file('sticky.yaml', web('sticky', 2))]);
    await c.k.ok(['expose', 'deployment', 'sticky', '--port=80', '--target-port=8080', '--session-affinity=ClientIP']);
    await eventually('two sticky pods ready', async () => (await readyPods('sticky')).length === 2, 90_000);
    const ip = await clusterIP('sticky');
    const first = await eventually('the sticky service', () => httpGet(`http://${ip}/`), 20_000);
    for (let i = 0; i < 12; i++) expect(await httpGet(`http://${ip}/`)).toBe(first);
  });

  it('stops sending new connections to a pod that is gone', async () => {
    const ip = await clusterIP('web');
    const [[victim, victimIP] = ['', '']] = await readyPods('web');
    await c.k.ok(['delete', 'pod', victim, '--grace-period=0', '--force']);
    await eventually('the endpoint gone from the slice', async () => !(await get_(['endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={..targetRef.name}'])).includes(victim), 30_000);
    // The node applies the slice's change asynchronously: "at once" is once its rules no longer
    // DNAT to the pod (a force-deleted pod's container may still be answering until its node stops it).
    const dnatToVictim = new RegExp(`${chainPrefix(c.nodeName)}-\\S+ .*--to-destination ${victimIP.replace(/\./g, '\\.')}:`);
    await eventually('the node no longer routing to the pod', async () => !dnatToVictim.test(execFileSync('iptables-save', ['-t', 'nat']).toString()), 30_000);
    for (let i = 0; i < 20; i++) expect(await httpGet(`http://${ip}/`)).not.toBe(victim);
  });

  it('routes a Service without a selector to the addresses of its manual Endpoints, outside the cluster too', async () => {
    const outside = createServer((s) => s.end('HTTP/1.0 200 OK\r\n\r\noutside\n'));
    await new Promise<void>((r) => outside.listen(0, '0.0.0.0', () => r()));
    const port = (outside.address() as { port: number }).port;
    try {
      await c.k.ok(['apply', '-f', c.file('ext.yaml', `apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  ports: [{port: 80, targetPort: ${port}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: ext}
subsets:
- addresses: [{ip: ${nodeIP}}]
  ports: [{port: ${port}}]
`)]);
      const ip = await clusterIP('ext');
      expect((await eventually('the outside address through the cluster IP', () => exec('probe', `timeout 3 wget -qO- http://${ip}/`), 30_000)).trim()).toBe('outside');
    } finally {
      outside.close();
    }
  });

  it('publishes a hostPort and a LoadBalancer port on the node\'s address, and sets the LoadBalancer\'s address', async () => {
    const hostPort = 20000 + (process.pid % 5000);
    await c.k.ok(['apply', '-f', c.file('hp.yaml', web('hp', 1, `, hostPort: ${hostPort}`))]);
    await eventually('the hostPort pod ready', async () => (await readyPods('hp')).length === 1, 90_000);
    expect(await eventually('the hostPort', () => httpGet(`http://${nodeIP}:${hostPort}/`), 20_000)).toMatch(/^hp-/);

    const lbPort = 25000 + (process.pid % 5000);
    await c.k.ok(['expose', 'deployment', 'hp', '--name=hp-lb', `--port=${lbPort}`, '--target-port=8080', '--type=LoadBalancer']);
    await eventually('the LoadBalancer address', async () => (await get_(['svc', 'hp-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])) === nodeIP, 30_000);
    expect(await eventually('the LoadBalancer port', () => httpGet(`http://${nodeIP}:${lbPort}/`), 20_000)).toMatch(/^hp-/);
  });

  it('says so when a node port is already in use on the host, and routes nothing there', async () => {
    await new Promise<void>((r) => busyServer.listen(0, '0.0.0.0', () => r()));
    const taken = (busyServer.address() as { port: number }).port;
    // Node ports come from 30000-32767; this one is outside, so it is refused before anything is tried.
    await expect(c.k.ok(['create', 'service', 'nodeport', 'busy', `--tcp=80:8080`, `--node-port=${taken}`])).rejects.toThrow(/provided port is not in the valid range/);
    const inRange = createServer();
    const port = await (async () => {
      for (let p = 32700; p < 32767; p++) {
        const ok = await new Promise<boolean>((r) => {
          inRange.once('error', () => r(false));
          inRange.listen(p, '0.0.0.0', () => r(true));
        });
        if (ok) return p;
      }
      throw new Error('no free port in 32700-32766');
    })();
    try {
      await c.k.ok(['create', 'service', 'nodeport', 'busy', '--tcp=80:8080', `--node-port=${port}`]);
      const ev = await eventually('a NodePortInUse event', async () => (await get_(['events', '--field-selector', 'reason=NodePortInUse', '-o', 'jsonpath={.items[*].message}'])) || undefined, 30_000);
      expect(ev).toContain(`port ${port}/TCP is already in use on node ${c.nodeName}`);
      // The program that holds it still answers there: nothing was redirected.
      expect(execFileSync('iptables-save', ['-t', 'nat']).toString()).not.toMatch(new RegExp(`${chainPrefix(c.nodeName)}-NODEPORTS .*--dport ${port} `));
    } finally {
      inRange.close();
    }
  });
});
