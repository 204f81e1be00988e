import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatsCollector } from '../../agent/kubelet/stats.js';
import { startKubeletServer, type KubeletServer } from '../../agent/kubelet/server.js';
import { FakeRuntime } from '../../agent/runtime/fake.js';
import { LABELS } from '../../agent/runtime/types.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { silentLogger } from '../../util/logger.js';
import { issueNodeToken, TokenAuthenticator } from '../auth.js';
import { Authorization } from '../authz/index.js';
import { createApiHandler } from '../handler.js';
import { MetricsStore } from './metricsStore.js';
import { parseSummary, startMetricsScraper } from './scraper.js';

const ADMIN = 'admin-token-metrics-test';
const NODE = 'mnode';
let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let api: Server;
let kubelet: KubeletServer;
let runtime: FakeRuntime;
let host = { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 2 * 1024 ** 3 };
let scraper: ReturnType<typeof startMetricsScraper>;
let authz: Authorization;

async function get(path: string, accept = 'application/json') {
  const port = (api.address() as AddressInfo).port;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${ADMIN}`, accept } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function runPod(name: string, labels: Record<string, string>, containers: string[]) {
  await cluster.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: containers.map((c) => ({ name: c, image: 'img' })) } });
  const ids: string[] = [];
  for (const c of containers) {
    const id = await runtime.create({ name: `${name}-${c}`, image: 'img', labels: { [LABELS.managed]: 'true', [LABELS.node]: NODE, [LABELS.podUid]: name, [LABELS.podNamespace]: 'default', [LABELS.podName]: name, [LABELS.containerName]: c } });
    await runtime.start(id);
    ids.push(id);
  }
  return ids;
}

beforeEach(async () => {
  cluster = await memoryCluster();
  await cluster.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  const token = await issueNodeToken(cluster.client, NODE);
  runtime = new FakeRuntime(cluster.clock);
  runtime.addImage('img');
  host = { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 2 * 1024 ** 3 };
  const stats = new StatsCollector({ runtime, clock: cluster.clock, log: silentLogger, nodeName: NODE, readHost: async () => ({ ...host }) });
  kubelet = await startKubeletServer({ port: 0, token, pods: { getByName: () => undefined }, runtime, clock: cluster.clock, log: silentLogger, stats });
  await cluster.client.create('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE, labels: { zone: 'a' } },
    status: { conditions: [{ type: 'Ready', status: 'True' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  });
  const store = new MetricsStore();
  const dialer = { dial: (_n: string, port: number) => new Promise<import('node:stream').Duplex>((res, rej) => { const s = connect(port, '127.0.0.1', () => res(s)); s.on('error', rej); }) };
  const auth = await TokenAuthenticator.create(ADMIN, cluster.store);
  authz = await Authorization.create(cluster.registry.objects);
  const handler = createApiHandler({ registry: cluster.registry, clock: cluster.clock, log: silentLogger, authenticator: auth, authz, serverAddress: '127.0.0.1', dialer, metrics: store });
  api = createServer(handler);
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  scraper = startMetricsScraper({ registry: cluster.registry, dialer, store, clock: cluster.clock, log: silentLogger, periodMs: 60_000_000 });
});

afterEach(async () => {
  scraper.dispose();
  authz.dispose();
  await kubelet.close();
  await new Promise((r) => api.close(r));
  cluster.dispose();
});

describe('metrics.k8s.io/v1beta1', () => {
  it('is discovered (aggregated and legacy) with nodes and pods, get and list', async () => {
    const agg = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const group = (agg.body.items as { metadata: { name: string }; versions: { version: string; resources: { resource: string; verbs: string[] }[] }[] }[]).find((g) => g.metadata.name === 'metrics.k8s.io');
    expect(group?.versions[0]?.version).toBe('v1beta1');
    expect(group?.versions[0]?.resources.map((r) => [r.resource, r.verbs])).toEqual([['nodes', ['get', 'list']], ['pods', ['get', 'list']]]);
    const list = await get('/apis/metrics.k8s.io/v1beta1');
    expect((list.body.resources as { kind: string }[]).map((r) => r.kind)).toEqual(['NodeMetrics', 'PodMetrics']);
  });

  it('serves the last scrape: node and pod usage, label selectors, tables, 404 before a rate exists', async () => {
    const [web1] = await runPod('web-1', { app: 'web' }, ['main']);
    const [db1, db2] = await runPod('db-1', { app: 'db' }, ['a', 'b']);
    await scraper.scrapeOnce();
    // One sample gives no CPU rate: nothing to show yet, as metrics-server.
    expect((await get('/apis/metrics.k8s.io/v1beta1/nodes/mnode')).status).toBe(404);
    expect((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')).body.items).toEqual([]);

    await cluster.clock.advance(15_000);
    host.cpuUsageNanoSeconds = 15e9; // one core
    runtime.usage.set(web1 as string, { cpuUsageNanoSeconds: 3e9, memoryWorkingSetBytes: 4 << 20 }); // 200m
    runtime.usage.set(db1 as string, { cpuUsageNanoSeconds: 1.5e9, memoryWorkingSetBytes: 1 << 20 }); // 100m
    runtime.usage.set(db2 as string, { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 1 << 20 });
    await scraper.scrapeOnce();

    const node = await get('/apis/metrics.k8s.io/v1beta1/nodes/mnode');
    expect(node.status).toBe(200);
    expect(node.body).toMatchObject({ kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: NODE, labels: { zone: 'a' } }, window: '15s', usage: { cpu: '1000000000n', memory: `${2 * 1024 ** 2}Ki` } });
    const nodes = await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db');
    expect(nodes.body).toMatchObject({ kind: 'NodeMetricsList', items: [] });

    const pods = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Ddb');
    expect(pods.body.items).toEqual([
      expect.objectContaining({ kind: 'PodMetrics', metadata: expect.objectContaining({ name: 'db-1', namespace: 'default', labels: { app: 'db' } }), containers: [{ name: 'a', usage: { cpu: '100000000n', memory: '1024Ki' } }, { name: 'b', usage: { cpu: '0', memory: '1024Ki' } }] }),
    ]);
    const all = await get('/apis/metrics.k8s.io/v1beta1/pods');
    expect((all.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name).sort()).toEqual(['db-1', 'web-1']);

    const table = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db-1', 'application/json;as=Table;v=v1;g=meta.k8s.io');
    expect(table.body).toMatchObject({ kind: 'Table', rows: [{ cells: ['db-1', '100000000n', '2048Ki', '15s'] }] });

    // A deleted pod's metrics are gone at once, before the next scrape.
    await cluster.client.delete('pods', 'default', 'web-1', { gracePeriodSeconds: 0 });
    expect((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1')).status).toBe(404);
    // Writes are refused.
    const port = (api.address() as AddressInfo).port;
    const post = await fetch(`http://127.0.0.1:${port}/apis/metrics.k8s.io/v1beta1/nodes`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: '{}' });
    expect(post.status).toBe(405);
  });

  it('drops a node that is no longer Ready, and the pods it ran', async () => {
    await runPod('web-1', { app: 'web' }, ['main']);
    await scraper.scrapeOnce();
    await cluster.clock.advance(10_000);
    await scraper.scrapeOnce();
    expect((await get('/apis/metrics.k8s.io/v1beta1/nodes/mnode')).status).toBe(200);
    expect((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1')).status).toBe(200);
    await cluster.client.patch('nodes', undefined, NODE, 'merge', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, { subresource: 'status' });
    await scraper.scrapeOnce();
    expect((await get('/apis/metrics.k8s.io/v1beta1/nodes/mnode')).status).toBe(404);
    expect((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1')).status).toBe(404);
  });

  it('rejects a malformed kubelet answer with a message naming the field', () => {
    expect(() => parseSummary({ node: { time: 1, workingSetBytes: 'x' }, pods: [] }, 'n')).toThrow(/node.workingSetBytes/);
    expect(() => parseSummary({ node: { time: 1, workingSetBytes: 1 }, pods: [{ namespace: 'a', name: 'b', containers: [{}] }] }, 'n')).toThrow(/containers\[0\].name/);
  });
});
