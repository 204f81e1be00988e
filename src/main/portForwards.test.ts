import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeletServer, type KubeletServer } from '../orchestrator/agent/kubelet/server.js';
import { FakeRuntime } from '../orchestrator/agent/runtime/fake.js';
import type { Node, Pod } from '../orchestrator/api/types.js';
import { issueNodeToken } from '../orchestrator/apiserver/auth.js';
import { Authorization } from '../orchestrator/apiserver/authz/index.js';
import { createApiHandler } from '../orchestrator/apiserver/handler.js';
import { memoryCluster } from '../orchestrator/testing/memoryCluster.js';
import { silentLogger } from '../orchestrator/util/logger.js';
import { inProcessApi } from './inProcessApi.js';
import { parseForwardSpec, PortForwards } from './portForwards.js';

const NODE = 'n1';
let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let authz: Authorization;
let kubelet: KubeletServer;
let echo: TcpServer;
let forwards: PortForwards;
const kubeletPods = new Map<string, Pod>();
/** Which pod each pod-side connection was for: the echo server answers `<pod>:<what was sent>`. */
let dialedFor: string[] = [];

async function runningPod(name: string, owner = 'rs-uid-1', labels = { app: 'web' }): Promise<Pod> {
  const pod = await cluster.client.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: owner, controller: true }] },
    spec: { nodeName: NODE, containers: [{ name: 'web', image: 'local/busybox:1', ports: [{ containerPort: 80 }] }] },
  });
  const st = await cluster.client.updateStatus<Pod>('pods', { ...pod, status: { phase: 'Running', podIP: '10.88.0.9', conditions: [{ type: 'Ready', status: 'True' }] } } as Pod);
  kubeletPods.set(name, st);
  return st;
}

async function removePod(name: string): Promise<void> {
  kubeletPods.delete(name);
  await cluster.client.delete('pods', 'default', name, { gracePeriodSeconds: 0 });
}

/** Sends `text` through 127.0.0.1:port and resolves what comes back before the other side ends. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

beforeEach(async () => {
  cluster = await memoryCluster();
  await cluster.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  kubeletPods.clear();
  dialedFor = [];
  echo = createTcpServer((s) => {
    const who = dialedFor.shift() ?? '?';
    s.once('data', (d: Buffer) => s.end(`${who}:${d.toString()}`));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as AddressInfo).port;
  const token = await issueNodeToken(cluster.client, NODE);
  kubelet = await startKubeletServer({
    port: 0,
    token,
    pods: { getByName: (_ns, name) => kubeletPods.get(name) },
    runtime: new FakeRuntime(cluster.clock),
    clock: cluster.clock,
    log: silentLogger,
    dialPod: () => new Promise<Duplex>((resolve, reject) => {
      const s = connect(echoPort, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    }),
  });
  // The kubelet API names the pod it dials in its URL; remember it so the echo can say who answered.
  const node = await cluster.client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, spec: {} } as Node);
  await cluster.client.updateStatus('nodes', { ...node, status: { daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } } as Node);
  authz = await Authorization.create(cluster.registry.objects);
  const handler = createApiHandler({
    authz,
    registry: cluster.registry,
    clock: cluster.clock,
    log: silentLogger,
    serverAddress: '127.0.0.1',
    dialer: {
      dial: (_n, port) =>
        new Promise((resolve, reject) => {
          const s = connect(port, '127.0.0.1');
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
    },
  });
  const api = inProcessApi(handler, { user: 'skiff-ui', groups: ['system:masters'] });
  const spy: typeof api = {
    getJson: (p) => api.getJson(p),
    webSocket: (p, protocols) => {
      const m = p.match(/\/pods\/([^/]+)\/portforward/);
      if (m) dialedFor.push(decodeURIComponent(m[1] as string));
      return api.webSocket(p, protocols);
    },
  };
  forwards = new PortForwards(spy, silentLogger, cluster.clock);
});

afterEach(async () => {
  forwards.dispose();
  await kubelet.close();
  await new Promise((r) => echo.close(r));
  authz.dispose();
  cluster.dispose();
});

describe('port-forwards from the UI server', () => {
  it('forwards a pod port and follows the pod that replaced it', async () => {
    await runningPod('web-a');
    const f = await forwards.start({ kind: 'pod', namespace: 'default', name: 'web-a', port: 80, localPort: 0 });
    expect(f).toMatchObject({ state: 'listening', pod: 'web-a', url: `http://127.0.0.1:${f.localPort}` });
    expect(await roundTrip(f.localPort, 'ping')).toBe('web-a:ping');
    await removePod('web-a');
    await runningPod('web-b');
    expect(await roundTrip(f.localPort, 'again')).toBe('web-b:again');
    await expect.poll(() => forwards.list()[0]).toMatchObject({ pod: 'web-b', served: 2, connections: 0 });
  });

  it('holds a connection made while no pod runs, and replays it to the next one', async () => {
    await runningPod('web-a');
    const f = await forwards.start({ kind: 'pod', namespace: 'default', name: 'web-a', port: 80, localPort: 0 });
    await removePod('web-a');
    const answer = roundTrip(f.localPort, 'waiting');
    await expect.poll(() => forwards.list()[0]?.state).toBe('reconnecting');
    expect(forwards.list()[0]?.message).toBe('the pod is gone and no replacement runs yet');
    await runningPod('web-c');
    await expect
      .poll(async () => {
        await cluster.clock.advance(1_000);
        return forwards.list()[0]?.state;
      })
      .toBe('listening');
    expect(await answer).toBe('web-c:waiting');
  });

  it("forwards a Service port to a ready endpoint's target port", async () => {
    await runningPod('web-a');
    await cluster.client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }] } });
    await cluster.client.create('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.88.0.9', targetRef: { kind: 'Pod', name: 'web-a', namespace: 'default' } }], ports: [{ name: 'http', port: 80 }] }],
    });
    const f = await forwards.start({ kind: 'service', namespace: 'default', name: 'web', port: 8080, localPort: 0 });
    expect(await roundTrip(f.localPort, 'svc')).toBe('web-a:svc');
    expect(forwards.stop(f.id)).toBe(true);
    await expect(roundTrip(f.localPort, 'x')).rejects.toThrow(/ECONNREFUSED/);
    expect(forwards.list()).toEqual([]);
  });

  it('refuses what cannot be forwarded, with the reason', async () => {
    await expect(forwards.start({ kind: 'pod', namespace: 'default', name: 'nope', port: 80 })).rejects.toThrow('pod nope not found');
    await runningPod('web-a');
    const a = await forwards.start({ kind: 'pod', namespace: 'default', name: 'web-a', port: 80, localPort: 0 });
    await expect(forwards.start({ kind: 'pod', namespace: 'default', name: 'web-a', port: 80, localPort: a.localPort })).rejects.toThrow(`127.0.0.1:${a.localPort} is already in use`);
    expect(parseForwardSpec({ kind: 'pod', namespace: 'default', name: 'x', port: 70000 })).toEqual({ field: 'port', message: 'must be 1-65535' });
    expect(parseForwardSpec({ kind: 'node', namespace: 'default', name: 'x', port: 1 })).toEqual({ field: 'kind', message: 'must be "pod" or "service"' });
    expect(parseForwardSpec({ kind: 'pod', namespace: 'default', name: '$(rm -rf)', port: 1 })).toMatchObject({ field: 'name' });
  });
});
