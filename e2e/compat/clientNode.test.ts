import { AppsV1Api, CoreV1Api, KubeConfig, Log, makeInformer, PatchStrategy, setHeaderOptions, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestControlPlane } from '../support/controlPlane.js';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// The official JS client (@kubernetes/client-node 1.4, ESM, loaded as vitest loads any ESM
// package): list, create, patch, watch, an informer that survives a control-plane restart (410 ->
// relist), and Log.
let c: CompatCluster;
let kc: KubeConfig;
let core: CoreV1Api;
let port: number;

beforeAll(async () => {
  port = await freePort();
  // A fixed port: the client's kubeconfig must still point at the control plane after a restart.
  c = await startCompatCluster('compat-js', { apiPort: port });
  kc = new KubeConfig();
  kc.loadFromFile(c.t.cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await c?.stop();
});

describe('@kubernetes/client-node', () => {
  it('lists, creates and patches (JSON patch by default, merge and strategic on request)', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'js', labels: { from: 'js' } }, data: { a: '1' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'from=js' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['js']);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    const jp = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'js', body: [{ op: 'replace', path: '/data/a', value: '2' }] });
    expect(jp.data).toEqual({ a: '2' });
    const mp = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'js', body: { data: { b: '3' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(mp.data).toEqual({ a: '2', b: '3' });
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'jsdep' }, spec: { replicas: 0, selector: { matchLabels: { app: 'jsdep' } }, template: { metadata: { labels: { app: 'jsdep' } }, spec: { containers: [{ name: 'a', image: 'local/busybox:1', env: [{ name: 'X', value: '1' }] }] } } } } });
    const sp = await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'jsdep', body: { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(sp.spec?.template.spec?.containers[0]?.env?.map((e) => e.name)).toEqual(['X', 'Y']);
    await expect(core.readNamespacedConfigMap({ namespace: 'default', name: 'nope' })).rejects.toMatchObject({ code: 404 });
  });

  it('watches from a list\'s resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const seen: string[] = [];
    const req = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata?.resourceVersion }, (type, obj: V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name}`), () => {});
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
    await eventually('both events', () => seen.length >= 2, 60_000);
    req.abort();
    expect(seen).toEqual(['ADDED watched', 'DELETED watched']);
  });

  it('an informer survives a control-plane restart: 410 Expired, relist, and nothing missed', async () => {
    let lists = 0;
    const inf = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: 'default' });
    });
    const events: string[] = [];
    let errors = 0;
    inf.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    inf.on('update', (o) => events.push(`update ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`));
    inf.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
    // The client-node way: an informer stops on an error; start it again a little later.
    inf.on('error', () => {
      errors++;
      setTimeout(() => void inf.start().catch(() => undefined), 300);
    });
    await inf.start();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'survivor' }, data: { v: '1' } } });
    await eventually('the informer to see it', () => inf.get('survivor', 'default')?.data?.v === '1', 60_000);

    await c.down();
    // While the informer's server is away, another control plane on the same data changes things.
    const other = await startTestControlPlane({ home: c.home, localNode: 'off' });
    try {
      await other.kubectl.ok(['patch', 'cm', 'survivor', '-p', '{"data":{"v":"2"}}']);
      await other.kubectl.ok(['delete', 'cm', 'js']);
      await other.kubectl.ok(['create', 'cm', 'born-offline', '--from-literal=x=y']);
    } finally {
      await other.cp.dispose();
    }
    await c.up();
    await eventually('the informer to catch up', () => inf.get('survivor', 'default')?.data?.v === '2' && !inf.get('js', 'default') && !!inf.get('born-offline', 'default'), 30_000);
    expect(errors).toBeGreaterThan(0);
    // It listed again: its old resourceVersion was answered 410 Expired by the restarted server.
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(events).toContain('delete js');
    expect(events).toContain('add born-offline');
    // And it keeps watching afterwards.
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' } } });
    await eventually('a live event after the restart', () => events.includes('add after'), 60_000);
    await inf.stop();
  });

  it('Log reads and follows a container\'s output', async () => {
    await c.k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 1))]);
    await eventually('a running pod', async () => (await runningPods(c.k, 'app=web')).length === 1, 90_000);
    const [pod] = await runningPods(c.k, 'app=web');
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const ctl = await new Log(kc).log('default', pod as string, 'main', out, { follow: true, tailLines: 1, timestamps: false });
    const first = await eventually('a line', () => /tick (\d+)/.exec(text) ?? undefined, 20_000);
    await eventually('a later line', () => text.includes(`tick ${Number(first[1]) + 2}\n`), 20_000);
    ctl.abort();
    const once = new PassThrough();
    let all = '';
    once.on('data', (d: Buffer) => (all += d.toString()));
    const done = new Promise<void>((r) => once.on('end', () => r()));
    await new Log(kc).log('default', pod as string, 'main', once, { follow: false, limitBytes: 1000 });
    await done;
    expect(all.startsWith(`started ${pod}\ntick 1\n`)).toBe(true);
  });
});

