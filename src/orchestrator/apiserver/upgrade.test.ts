import { createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KubeObject, Node, Pod } from '../api/types.js';
import { rawToBuffer } from '../client/remotecommand.js';
import { startKubeletServer, type KubeletServer } from '../agent/kubelet/server.js';
import { dialSpdyTunnel } from '../agent/kubelet/spdyTestClient.js';
import { FakeRuntime } from '../agent/runtime/fake.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { silentLogger } from '../util/logger.js';
import { issueNodeToken, TokenAuthenticator } from './auth.js';
import { Authorization } from './authz/index.js';
import { createApiHandler } from './handler.js';

const ADMIN = 'admin-token-upgrade-test';
const NODE = 'n1';

let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let runtime: FakeRuntime;
let kubelet: KubeletServer;
let api: Server;
let apiPort: number;
let auth: TokenAuthenticator;
let authz: Authorization;
let nodeToken: string;
let echo: TcpServer;
let echoPort: number;
const kubeletPods = new Map<string, Pod>();
/** When set, node connections are wrapped in a plain Duplex, as an SSH channel would be (no socket methods). */
let plainDuplex = false;

function asPlainDuplex(sock: Duplex): Duplex {
  const d = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      sock.write(chunk, cb);
    },
    final(cb) {
      sock.end();
      cb();
    },
    destroy(err, cb) {
      sock.destroy();
      cb(err);
    },
  });
  sock.on('data', (c: Buffer) => {
    if (!d.push(c)) sock.pause();
  });
  sock.on('end', () => d.push(null));
  sock.on('close', () => d.destroy());
  return d;
}
const containerIds = new Map<string, string>();

/** A pod bound to the node and Running, with a running engine container per container (as the agent would report it). */
async function runningPod(name: string, containers = ['main'], extra: Partial<Pod['metadata']> = {}): Promise<Pod> {
  const pod = await cluster.client.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: { nodeName: NODE, containers: containers.map((c) => ({ name: c, image: 'local/busybox:1' })) },
  });
  const statuses = [];
  for (const c of containers) {
    const id = await runtime.create({ name: `${name}-${c}`, image: 'local/busybox:1', labels: {} });
    await runtime.start(id);
    containerIds.set(`${name}/${c}`, id);
    statuses.push({ name: c, ready: true, restartCount: 0, image: 'local/busybox:1', imageID: '', containerID: `docker://${id}`, state: { running: { startedAt: new Date().toISOString() } }, lastState: {} });
  }
  const withStatus = await cluster.client.updateStatus<Pod>('pods', { ...pod, status: { phase: 'Running', podIP: '10.88.0.9', containerStatuses: statuses } } as Pod);
  kubeletPods.set(name, withStatus);
  return withStatus;
}

beforeEach(async () => {
  plainDuplex = false;
  cluster = await memoryCluster();
  await cluster.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  runtime = new FakeRuntime(cluster.clock);
  runtime.addImage('local/busybox:1');
  kubeletPods.clear();
  echo = createTcpServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as AddressInfo).port;
  nodeToken = await issueNodeToken(cluster.client, NODE);
  kubelet = await startKubeletServer({
    port: 0,
    token: nodeToken,
    pods: { getByName: (_ns, name) => kubeletPods.get(name) },
    runtime,
    clock: cluster.clock,
    log: silentLogger,
    dialPod: () => new Promise<Duplex>((resolve, reject) => {
      const s = connect(echoPort, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    }),
  });
  const node = await cluster.client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, spec: {} } as Node);
  await cluster.client.updateStatus('nodes', { ...node, status: { daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } } as Node);
  auth = await TokenAuthenticator.create(ADMIN, cluster.store);
  authz = await Authorization.create(cluster.registry.objects);
  const handler = createApiHandler({
    authz,
    registry: cluster.registry,
    clock: cluster.clock,
    log: silentLogger,
    authenticator: auth,
    serverAddress: '127.0.0.1',
    dialer: {
      dial: (n, port) =>
        n === NODE
          ? new Promise((resolve, reject) => {
              const s = connect(port, '127.0.0.1');
              s.once('connect', () => resolve(plainDuplex ? asPlainDuplex(s) : s));
              s.once('error', reject);
            })
          : Promise.reject(new Error(`no connection to node "${n}"`)),
    },
  });
  api = createHttpServer(handler);
  api.on('upgrade', (req, socket: Duplex, head: Buffer) => handler.upgrade?.(req, socket, head));
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  apiPort = (api.address() as AddressInfo).port;
});

afterEach(async () => {
  api.closeAllConnections();
  await new Promise((r) => api.close(r));
  await kubelet.close();
  await new Promise((r) => echo.close(r));
  auth.dispose();
  authz.dispose();
  cluster.dispose();
});

function exec(path: string, token = ADMIN): Promise<{ protocol: string; messages: [number, string][] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${apiPort}${path}`, ['v5.channel.k8s.io'], { headers: { Authorization: `Bearer ${token}` } });
    const messages: [number, string][] = [];
    ws.on('message', (d) => {
      const b = rawToBuffer(d);
      messages.push([b[0] as number, b.subarray(1).toString()]);
    });
    ws.on('close', () => resolve({ protocol: ws.protocol, messages }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`${res.statusCode}`), { status: JSON.parse(body) as Record<string, unknown>, contentType: res.headers['content-type'] })));
    });
    ws.on('error', (e) => reject(e));
  });
}

async function refusal(path: string, token = ADMIN): Promise<Record<string, unknown>> {
  const e = (await exec(path, token).then(
    () => undefined,
    (x: unknown) => x,
  )) as { status?: Record<string, unknown>; contentType?: string } | undefined;
  expect(e?.contentType).toBe('application/json');
  return e?.status ?? {};
}

const base = '/api/v1/namespaces/default/pods';

describe('API server upgrades (exec, attach, port-forward) proxied to the kubelet', () => {
  it('runs an exec end to end: the kubelet sees the rewritten path and the client gets channels and the status', async () => {
    await runningPod('p');
    runtime.execHandler = (io) => (io.stdout.write(`ran ${io.opts.cmd.join(' ')}`), 5);
    const r = await exec(`${base}/p/exec?command=sh&command=-c&command=echo%20hi&stdout=true&stderr=true`);
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.messages[0]).toEqual([1, 'ran sh -c echo hi']);
    expect(JSON.parse(r.messages[1]?.[1] ?? '{}')).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '5' }] } });
    expect(runtime.execs[0]).toMatchObject({ id: containerIds.get('p/main'), opts: { cmd: ['sh', '-c', 'echo hi'], stdout: true, stderr: true, stdin: false, tty: false } });
  });

  it('works through a node connection that is a plain Duplex (an SSH channel)', async () => {
    plainDuplex = true;
    await runningPod('p');
    runtime.execHandler = (io) => (io.stdout.write('over ssh'), 0);
    const r = await exec(`${base}/p/exec?command=x&stdout=true`);
    expect(r.messages).toEqual([
      [1, 'over ssh'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it('picks the container: the named one, else the default-container annotation, else the first', async () => {
    await runningPod('multi', ['first', 'side'], { annotations: { 'kubectl.kubernetes.io/default-container': 'side' } });
    await runningPod('plain', ['a', 'b']);
    await exec(`${base}/multi/exec?command=true&stdout=true`);
    await exec(`${base}/multi/exec?command=true&stdout=true&container=first`);
    await exec(`${base}/plain/exec?command=true&stdout=true`);
    expect(runtime.execs.map((e) => e.id)).toEqual([containerIds.get('multi/side'), containerIds.get('multi/first'), containerIds.get('plain/a')]);
    expect(await refusal(`${base}/multi/exec?command=true&stdout=true&container=nope`)).toMatchObject({
      kind: 'Status',
      code: 400,
      reason: 'BadRequest',
      message: 'container nope is not valid for pod multi; choose one of: [first side]',
    });
  });

  it('refuses a completed pod with the message kubectl itself prints, and an unbound pod', async () => {
    const p = await runningPod('done');
    await cluster.client.updateStatus('pods', { ...p, status: { ...p.status, phase: 'Succeeded' } } as Pod);
    expect(await refusal(`${base}/done/exec?command=true&stdout=true`)).toMatchObject({ code: 400, message: 'cannot exec into a container in a completed pod; current phase is Succeeded' });
    await cluster.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    expect(await refusal(`${base}/pending/exec?command=true&stdout=true`)).toMatchObject({ code: 400, message: 'pod pending does not have a host assigned' });
    expect(await refusal(`${base}/ghost/exec?command=true&stdout=true`)).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('authenticates and authorizes: no token is 401, a node token may not exec', async () => {
    await runningPod('p');
    expect(await refusal(`${base}/p/exec?command=true&stdout=true`, 'wrong')).toMatchObject({ code: 401, reason: 'Unauthorized' });
    expect(await refusal(`${base}/p/exec?command=true&stdout=true`, nodeToken)).toMatchObject({ code: 403, reason: 'Forbidden', message: expect.stringMatching(/User "system:node:n1" cannot create resource "pods(\/exec)?"/) });
    expect(runtime.execs).toEqual([]);
  });

  it("turns the kubelet's refusal into a Status, and an unreachable node into 503", async () => {
    const p = await runningPod('p');
    // The agent's view: the container stopped (the API's copy still says Running).
    kubeletPods.set('p', { ...p, status: { ...p.status, containerStatuses: [{ ...p.status!.containerStatuses![0]!, state: { waiting: { reason: 'CrashLoopBackOff' } } }] } } as Pod);
    expect(await refusal(`${base}/p/exec?command=true&stdout=true`)).toMatchObject({ code: 400, reason: 'BadRequest', message: 'container "main" in pod "p" is not running (CrashLoopBackOff)' });
    await cluster.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'far', namespace: 'default' }, spec: { nodeName: 'elsewhere', containers: [{ name: 'c', image: 'x' }] } });
    await cluster.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'elsewhere' } });
    await cluster.client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'skiff-node-elsewhere', namespace: 'kube-system' }, data: { token: 'eA==' } });
    expect(await refusal(`${base}/far/exec?command=true&stdout=true`)).toMatchObject({ code: 503, message: expect.stringContaining('cannot reach node elsewhere') });
  });

  it('refuses upgrades on other paths', async () => {
    expect(await refusal('/api/v1/namespaces/default/pods/x/binding')).toMatchObject({ code: 400, message: expect.stringContaining('pods/exec') });
  });

  it('serves pods/log over WebSocket (binary.k8s.io): the log in messages, then a normal close', async () => {
    await runningPod('logger');
    runtime.write(containerIds.get('logger/main') as string, 'line one');
    runtime.write(containerIds.get('logger/main') as string, 'line two');
    const ws = new WebSocket(`ws://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/logger/log?container=main&timestamps=true`, ['binary.k8s.io'], { headers: { Authorization: `Bearer ${ADMIN}` } });
    let text = '';
    ws.on('message', (m: Buffer) => (text += m.toString()));
    const code = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(ws.protocol).toBe('binary.k8s.io');
    expect(code).toBe(1000);
    expect(text).toMatch(/^\S+Z line one\n\S+Z line two\n$/);
    expect(await refusal('/api/v1/namespaces/default/pods/logger/log?container=nope')).toMatchObject({ code: 400, message: 'container nope is not valid for pod logger' });
    expect(await refusal('/api/v1/namespaces/default/pods/logger/log?sinceTime=x')).toMatchObject({ code: 400, message: 'parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"' });
  });

  it('serves a watch over WebSocket: one JSON event per message, replayed from a resourceVersion', async () => {
    const first = await cluster.client.create<KubeObject>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
    await cluster.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default', labels: { x: 'y' } } });
    const got: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${apiPort}/api/v1/namespaces/default/configmaps?watch=true&labelSelector=x%3Dy&resourceVersion=${first.metadata.resourceVersion}`, { headers: { Authorization: `Bearer ${ADMIN}` } });
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (m: Buffer) => {
        const ev = JSON.parse(m.toString()) as { type: string; object: { metadata: { name: string } } };
        got.push(`${ev.type} ${ev.object.metadata.name}`);
        if (got.length === 1) void cluster.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { x: 'y' } } });
        if (got.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(got).toEqual(['ADDED b', 'ADDED c']);
    // A watch needs a token like any request.
    expect(await refusal('/api/v1/namespaces/default/configmaps?watch=true', 'nope')).toMatchObject({ code: 401 });
  });

  it('forwards the SPDY port-forward tunnel with its subprotocol, and answers a SPDY upgrade with a Status', async () => {
    await runningPod('web');
    const t = await dialSpdyTunnel({ host: '127.0.0.1', port: apiPort, path: `${base}/web/portforward`, headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(t.protocol).toBe('SPDY/3.1+portforward.k8s.io');
    const c = t.client;
    const err = await c.open({ streamtype: 'error', port: '80', requestid: '0' });
    const data = await c.open({ streamtype: 'data', port: '80', requestid: '0' });
    c.write(data, Buffer.from('through the API server'));
    await c.until('echo', () => c.text(data) === 'through the API server');
    c.write(data, Buffer.alloc(0), true);
    await c.until('closed', () => c.stream(data).fin && c.stream(err).fin);
    t.socket.destroy();
    c.close();

    const spdy = await new Promise<{ code: number; body: string }>((resolve) => {
      const req = request({ port: apiPort, path: `${base}/web/exec?command=true&stdout=true`, method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, Connection: 'Upgrade', Upgrade: 'SPDY/3.1' } });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (x: Buffer) => (body += x.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.end();
    });
    expect(spdy.code).toBe(400);
    expect(JSON.parse(spdy.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringContaining('served over WebSocket only') });
  });
});
