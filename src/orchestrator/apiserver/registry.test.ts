import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { jsonOf } from './cacher/frozen.js';
import { bindPod } from './strategies/podBinding.js';

type Cluster = Awaited<ReturnType<typeof memoryCluster>>;

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
  data,
});

const deploy = (name: string, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'local/busybox:1' }] } },
  },
});

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

describe('Registry', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await memoryCluster();
  });

  it('an update identical to what is stored writes nothing; any change is written', async () => {
    const created = await c.client.create('configmaps', cm('same', { a: '1' }, { k: 'v' }));
    const rv = created.metadata.resourceVersion;
    const again = await c.client.update('configmaps', { ...created, metadata: { ...created.metadata } });
    expect(again.metadata.resourceVersion).toBe(rv);
    const patched = await c.client.patch('configmaps', 'default', 'same', 'merge', { data: { k: 'v' } });
    expect(patched.metadata.resourceVersion).toBe(rv);
    const changed = await c.client.patch<KubeObject & { data?: Record<string, string> }>('configmaps', 'default', 'same', 'merge', { data: { k: 'w' } });
    expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    expect((await c.client.get<KubeObject & { data?: Record<string, string> }>('configmaps', 'default', 'same')).data).toEqual({ k: 'w' });
  });
  afterEach(() => c.dispose());

  it("leaves an in-process caller's object as it was, and writes a request's own body in place", async () => {
    const mine = cm('copied', {}, { k: 'v' });
    const before = structuredClone(mine);
    await c.registry.create('configmaps', 'default', mine);
    expect(mine).toEqual(before);
    const body = cm('owned', {}, { k: 'v' });
    const stored = await c.registry.create('configmaps', 'default', body, { owned: true });
    expect(body.metadata.uid).toBe(stored.metadata.uid);
    // A request is answered with the object it wrote, exactly as a read of it would serialize.
    expect(stored).toBe(body);
    expect(JSON.stringify(stored)).toBe(JSON.stringify(await c.registry.get('configmaps', 'default', 'owned')));
    const update = { ...structuredClone(stored), data: { k: 'w' } } as KubeObject;
    const before2 = structuredClone(update);
    const updated = await c.registry.update('configmaps', 'default', 'owned', update);
    expect(update).toEqual(before2);
    expect(updated).not.toBe(update);
    const put = { ...structuredClone(updated), data: { k: 'x' } } as KubeObject;
    const answered = await c.registry.update('configmaps', 'default', 'owned', put, { owned: true });
    expect(JSON.stringify(answered)).toBe(JSON.stringify(await c.registry.get('configmaps', 'default', 'owned')));
    const patched = await c.registry.patch('configmaps', 'default', 'owned', 'merge', { data: { k: 'y' } }, { owned: true });
    expect(JSON.stringify(patched)).toBe(JSON.stringify(await c.registry.get('configmaps', 'default', 'owned')));
  });

  it("hands a request's written object to the watch cache (no parse of its text); an in-process caller's, or one JSON would change, is parsed", async () => {
    const key = (n: string) => `/registry/configmaps/default/${n}`;
    const stored = await c.registry.create('configmaps', 'default', cm('handed', {}, { k: 'v' }), { owned: true });
    expect(await c.registry.objects.get(key('handed'))).toBe(stored);
    expect(Object.isFrozen(stored.metadata)).toBe(true);
    expect(stored.metadata.resourceVersion).toBe(String(c.store.currentRevision()));
    // Its JSON (for answers and watchers) comes from the serialization that made the stored text: exactly JSON.stringify's.
    expect(jsonOf(stored)).toBe(JSON.stringify(stored));
    const patched = await c.registry.patch('configmaps', 'default', 'handed', 'merge', { data: { k: 'w' } }, { owned: true });
    expect(await c.registry.objects.get(key('handed'))).toBe(patched);
    expect(jsonOf(patched)).toBe(JSON.stringify(patched));
    // A PUT whose metadata has its resourceVersion in the middle (and strings JSON must escape).
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'handed', resourceVersion: patched.metadata.resourceVersion, namespace: 'default', annotations: { q: 'a"\\u2028\u2028\u0000' } }, data: { k: 'x' } } as KubeObject;
    const put = await c.registry.update('configmaps', 'default', 'handed', body, { owned: true });
    expect(Object.keys(put.metadata).at(-1)).toBe('resourceVersion');
    expect(jsonOf(put)).toBe(JSON.stringify(put));
    expect(JSON.parse(jsonOf(put))).toEqual(await c.registry.get('configmaps', 'default', 'handed'));
    const inProcess = await c.registry.create('configmaps', 'default', cm('copied', {}, { k: 'v' }));
    expect(await c.registry.objects.get(key('copied'))).not.toBe(inProcess);
    // An undefined label value: JSON drops it, so the cache parses the stored text, and the answer is still the stored object.
    const odd = cm('odd', { a: 'x' }, { k: 'v' });
    (odd.metadata.annotations as unknown) = { keep: 'y', gone: undefined };
    const answered = await c.registry.create('configmaps', 'default', odd, { owned: true });
    const cached = (await c.registry.objects.get(key('odd'))) as KubeObject;
    expect(cached).not.toBe(answered);
    expect(Object.keys(cached.metadata.annotations ?? {})).toEqual(['keep']);
    expect(JSON.stringify(answered)).toBe(JSON.stringify(cached));
    // A binding's pod too: the cache holds the pod it built, at the stored version.
    await c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    await c.client.bind('default', 'b', 'n1');
    const pod = (await c.registry.objects.get('/registry/pods/default/b')) as KubeObject & { spec: { nodeName?: string } };
    expect(pod.spec.nodeName).toBe('n1');
    expect(pod.metadata.resourceVersion).toBe(String(c.store.currentRevision()));
    expect(JSON.stringify(pod)).toBe(JSON.stringify(await c.registry.get('pods', 'default', 'b')));
    expect(jsonOf(pod)).toBe(JSON.stringify(pod));
  });

  it('creates only in a namespace that exists and is not terminating, seen at once after its own create and delete', async () => {
    const inNs = (ns: string, name: string) => c.client.create('configmaps', { ...cm(name), metadata: { name, namespace: ns } });
    expect(await code(inNs('nowhere', 'a'))).toBe(404);
    // Created and used at once: the namespace check reads the watch cache, which holds every acknowledged write.
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh', finalizers: ['test/hold'] } });
    expect(await code(inNs('fresh', 'a'))).toBe(0);
    await c.client.delete('namespaces', undefined, 'fresh');
    const err = await inNs('fresh', 'b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(403);
    expect((err as ApiError).message).toContain('because it is being terminated');
  });

  it('a generated name that is taken gets another (as RetryGenerateName); after 8 taken names it is a 409', async () => {
    const gen = (): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'g-', namespace: 'default' }, data: {} });
    const random = vi.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0); // every suffix is "bbbbb"
      expect((await c.client.create('configmaps', gen())).metadata.name).toBe('g-bbbbb');
      // The next create draws "bbbbb" (taken) once, then "ccccc".
      let draws = 0;
      random.mockImplementation(() => (draws++ < 5 ? 0 : 1 / 27));
      expect((await c.client.create('configmaps', gen())).metadata.name).toBe('g-ccccc');
      random.mockReturnValue(0);
      const err = await c.client.create('configmaps', gen()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(409);
    } finally {
      random.mockRestore();
    }
  });

  it('stamps identity and a resourceVersion, and refuses duplicates', async () => {
    const o = await c.client.create('configmaps', cm('a'));
    expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(o.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(o.metadata.creationTimestamp).toMatch(/Z$/);
    expect(await code(c.client.create('configmaps', cm('a')))).toBe(409);
    expect(await code(c.client.get('configmaps', 'default', 'nope'))).toBe(404);
    expect(await code(c.client.create('configmaps', { ...cm('x'), metadata: { name: 'x', namespace: 'missing' } }))).toBe(404);
  });

  it('a delete with a uid precondition that loses a race to another write reads again and deletes; a stale resourceVersion precondition is a 409', async () => {
    const o = await c.client.create('configmaps', cm('raced'));
    // The first read the delete makes is followed by another writer's patch, before the delete's swap.
    const get = c.registry.get.bind(c.registry);
    let raced = false;
    c.registry.get = (async (...args: Parameters<typeof get>) => {
      const current = await get(...args);
      if (!raced && args[2] === 'raced') {
        raced = true;
        await c.client.patch('configmaps', 'default', 'raced', 'merge', { data: { status: 'written meanwhile' } });
      }
      return current;
    }) as typeof get;
    await c.client.delete('configmaps', 'default', 'raced', { preconditions: { uid: o.metadata.uid } });
    expect(raced).toBe(true);
    expect(await code(c.client.get('configmaps', 'default', 'raced'))).toBe(404);
    const b = await c.client.create('configmaps', cm('b'));
    await c.client.patch('configmaps', 'default', 'b', 'merge', { data: { k: 'v' } });
    expect(await code(c.client.delete('configmaps', 'default', 'b', { preconditions: { resourceVersion: b.metadata.resourceVersion } }))).toBe(409);
  });

  it('refuses a patch that leaves metadata or the object not an object, with a 400', async () => {
    await c.client.create('configmaps', cm('shape'));
    expect(await code(c.client.patch('configmaps', 'default', 'shape', 'merge', { metadata: 1 }))).toBe(400);
    expect(await code(c.client.patch('configmaps', 'default', 'shape', 'json', [{ op: 'replace', path: '/metadata', value: [] }]))).toBe(400);
    expect((await c.client.get<KubeObject>('configmaps', 'default', 'shape')).metadata.name).toBe('shape');
  });

  it('compares and swaps on resourceVersion', async () => {
    const o = await c.client.create('configmaps', cm('a'));
    const u1 = await c.client.update('configmaps', { ...o, data: { k: '1' } });
    expect(u1.metadata.resourceVersion).not.toBe(o.metadata.resourceVersion);
    expect(await code(c.client.update('configmaps', { ...o, data: { k: '2' } }))).toBe(409);
    // Without a version, last write wins.
    const { resourceVersion: _rv, ...meta } = o.metadata;
    expect((await c.client.update('configmaps', { ...o, metadata: meta, data: { k: '3' } })).data).toEqual({ k: '3' });
  });

  it('bumps generation on spec changes only, and keeps status apart from spec', async () => {
    const d = await c.client.create('deployments', deploy('web'));
    expect(d.metadata.generation).toBe(1);
    const labelled = await c.client.patch('deployments', 'default', 'web', 'merge', { metadata: { labels: { x: 'y' } } });
    expect(labelled.metadata.generation).toBe(1);
    const scaled = await c.client.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 3 }, status: { replicas: 99 } });
    expect(scaled.metadata.generation).toBe(2);
    // A Deployment's status is a struct: Go writes it as {} until something sets it.
    expect(scaled.status).toEqual({});
    const st = await c.client.updateStatus('deployments', { ...scaled, spec: { ...(scaled.spec as object), replicas: 7 }, status: { replicas: 2 } });
    expect(st.status).toEqual({ replicas: 2 });
    expect((st.spec as { replicas: number }).replicas).toBe(3);
    expect(st.metadata.generation).toBe(2);
    // The same spec with its keys in another order is no spec change.
    const spec = st.spec as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(spec).reverse());
    expect(Object.keys(reordered)).not.toEqual(Object.keys(spec));
    const same = await c.client.update('deployments', { ...st, spec: reordered });
    expect(same.metadata.generation).toBe(2);
    expect((await c.client.update('deployments', { ...same, spec: { ...reordered, paused: true } })).metadata.generation).toBe(3);
  });

  it('stores the status a create was sent only for a Node; other kinds with a status subresource start from their defaults', async () => {
    // As a manifest exported from another cluster (`kubectl get -o yaml`) carries it.
    const foreign = { phase: 'Running', podIP: '10.9.9.9', conditions: [{ type: 'Ready', status: 'True' }] };
    const pod = await c.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'exported', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'local/busybox:1', resources: { requests: { cpu: '10m' } } }] },
      status: foreign,
    } as KubeObject);
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'Burstable' });
    expect((await c.client.get('pods', 'default', 'exported')).status).toEqual({ phase: 'Pending', qosClass: 'Burstable' });
    // The status subresource still writes it afterwards.
    expect((await c.client.updateStatus('pods', { ...pod, status: { ...(pod.status as object), phase: 'Running' } })).status).toMatchObject({ phase: 'Running' });

    const d = await c.client.create('deployments', { ...deploy('copied'), status: { replicas: 3, readyReplicas: 3, availableReplicas: 3 } });
    expect(d.status ?? {}).toEqual({});
    const ns = await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'moved' }, status: { phase: 'Terminating' } });
    expect(ns.status).toEqual({ phase: 'Active' });
    const pvc = await c.client.create('persistentvolumeclaims', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound', capacity: { storage: '1Gi' } },
    } as KubeObject);
    expect(pvc.status).toEqual({ phase: 'Pending' });
    // A dry run answers what a create would store.
    const dry = await c.registry.create('deployments', 'default', { ...deploy('dry'), status: { replicas: 5 } }, { dryRun: true });
    expect(dry.status ?? {}).toEqual({});

    const nodeStatus = { capacity: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] };
    const node = await c.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'registered' }, status: nodeStatus } as KubeObject);
    expect(node.status).toMatchObject(nodeStatus);
  });

  it('keeps one copy of what a write left unchanged: the new cached version shares it with the one before', async () => {
    await c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sh', namespace: 'default', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const key = '/registry/pods/default/sh';
    const v1 = (await c.registry.objects.get(key)) as KubeObject;
    await bindPod(c.registry, 'default', 'sh', 'n1');
    const v2 = (await c.registry.objects.get(key)) as KubeObject & { spec: { containers: unknown[] } };
    await c.registry.patch('pods', 'default', 'sh', 'merge', { status: { phase: 'Running', podIP: '10.0.0.9' } }, { subresource: 'status' });
    const v3 = (await c.registry.objects.get(key)) as KubeObject & { spec: { containers: unknown[] } };
    expect(v3.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.9' });
    // The binding changed the spec (nodeName) but not its containers; the status write changed no spec at all.
    expect(v2.spec).not.toBe(v1.spec);
    expect(v2.spec.containers).toBe((v1.spec as { containers: unknown[] }).containers);
    expect(v3.spec).toBe(v2.spec);
    expect(v3.metadata.labels).toBe(v1.metadata.labels);
    // Each version still serializes as itself.
    for (const v of [v1, v2, v3]) expect(jsonOf(v)).toBe(JSON.stringify(v));
  });

  it('starts an update, patch or apply from the watch cache (no datastore read), and a write that changes nothing writes nothing', async () => {
    const made = await c.client.create('configmaps', cm('w', { a: 'b' }, { k: '1' }));
    const reads = vi.spyOn(c.registry.store, 'get');
    const rev = c.registry.store.currentRevision();
    // Nothing changes: the same object back, no new version.
    expect((await c.registry.patch('configmaps', 'default', 'w', 'merge', { data: { k: '1' } })).metadata.resourceVersion).toBe(made.metadata.resourceVersion);
    // The same object with its metadata's keys in another order (Go has one order: no change either).
    const meta: KubeObject['metadata'] = { labels: { a: 'b' }, namespace: 'default', name: 'w' };
    expect((await c.registry.update('configmaps', 'default', 'w', { ...made, metadata: meta })).metadata.resourceVersion).toBe(made.metadata.resourceVersion);
    expect(c.registry.store.currentRevision()).toBe(rev);
    // A change is written over the newest version, each time.
    const one = await c.registry.patch('configmaps', 'default', 'w', 'merge', { data: { k: '2' } });
    const two = await c.registry.patch('configmaps', 'default', 'w', 'json', [{ op: 'add', path: '/data/j', value: 'x' }]);
    expect(two.data).toEqual({ k: '2', j: 'x' });
    expect(Number(two.metadata.resourceVersion)).toBeGreaterThan(Number(one.metadata.resourceVersion));
    const applied = await c.registry.apply<KubeObject & { data?: unknown }>('configmaps', 'default', 'w', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' }, data: { k: '3' } }, { fieldManager: 'm', force: true });
    expect(applied.data).toEqual({ k: '3', j: 'x' });
    expect(reads).not.toHaveBeenCalled();
    // A stale version is still a conflict, and a missing object a 404.
    expect(await code(c.registry.update('configmaps', 'default', 'w', { ...made, data: { k: '9' } }))).toBe(409);
    expect(await code(c.registry.patch('configmaps', 'default', 'none', 'merge', { data: {} }))).toBe(404);
    reads.mockRestore();
  });

  it("writes a pod's status over its stored spec and metadata, which a status write can neither change nor have refused", async () => {
    const p: KubeObject = await c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'st', namespace: 'default', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const stored = await c.client.get('pods', 'default', 'st');
    // A spec change that a pod update would refuse (a new container), and a label, sent through status.
    const body = structuredClone(stored);
    (body.spec as { containers: unknown[] }).containers.push({ name: 'd', image: 'j' });
    body.metadata.labels = { a: 'changed' };
    body.status = { phase: 'Running' };
    const st = await c.client.updateStatus('pods', body);
    expect(st.status).toMatchObject({ phase: 'Running' });
    expect(st.spec).toEqual(stored.spec);
    expect(st.metadata.labels).toEqual({ a: 'b' });
    expect(st.metadata.generation).toBe(p.metadata.generation);
    // What the next read decodes from the store is the same, and the object read before is untouched.
    expect(await c.client.get('pods', 'default', 'st')).toMatchObject({ spec: stored.spec, metadata: { labels: { a: 'b' } }, status: { phase: 'Running' } });
    expect((stored.spec as { containers: unknown[] }).containers).toHaveLength(1);
    // The status manager owns the status only.
    const mine = (st.metadata.managedFields as { subresource?: string; fieldsV1?: object }[] | undefined)?.find((m) => m.subresource === 'status');
    expect(Object.keys(mine?.fieldsV1 ?? {})).toEqual(['f:status']);
  });

  it('deletes objects with finalizers only once the last finalizer is removed', async () => {
    await c.client.create('configmaps', { ...cm('f'), metadata: { name: 'f', namespace: 'default', finalizers: ['x/y'] } });
    const marked = await c.client.delete('configmaps', 'default', 'f');
    expect(marked?.metadata.deletionTimestamp).toBeTruthy();
    const cur = await c.client.get('configmaps', 'default', 'f');
    await c.client.update('configmaps', { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    expect(await code(c.client.get('configmaps', 'default', 'f'))).toBe(404);
  });

  it('gives a bound pod a graceful deletion and an unbound pod an immediate one', async () => {
    const pod = (name: string, nodeName?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'local/busybox:1' }], ...(nodeName ? { nodeName } : {}) },
    });
    await c.client.create('pods', pod('bound', 'n1'));
    await c.client.create('pods', pod('free'));
    await c.client.delete('pods', 'default', 'free');
    expect(await code(c.client.get('pods', 'default', 'free'))).toBe(404);
    const d = await c.client.delete('pods', 'default', 'bound');
    expect(d?.metadata.deletionTimestamp).toBeTruthy();
    await c.client.delete('pods', 'default', 'bound', { gracePeriodSeconds: 0 });
    expect(await code(c.client.get('pods', 'default', 'bound'))).toBe(404);
  });

  it('keeps a shorter grace period on a terminating pod held by a finalizer, and deletes it when the finalizer goes', async () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', namespace: 'default', finalizers: ['batch.kubernetes.io/job-tracking'] }, spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n1' } };
    await c.client.create('pods', pod);
    expect((await c.client.delete('pods', 'default', 'held'))?.metadata.deletionGracePeriodSeconds).toBe(30);
    // The agent's final delete: grace 0, but the finalizer keeps the object.
    const held = await c.client.delete('pods', 'default', 'held', { gracePeriodSeconds: 0 });
    expect(held?.metadata.deletionGracePeriodSeconds).toBe(0);
    // A longer grace period never extends it.
    expect((await c.client.delete('pods', 'default', 'held', { gracePeriodSeconds: 60 }))?.metadata.deletionGracePeriodSeconds).toBe(0);
    const cur = await c.client.get('pods', 'default', 'held');
    await c.client.update('pods', { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    expect(await code(c.client.get('pods', 'default', 'held'))).toBe(404);
  });

  it('answers a dry-run delete with what the delete would leave, and stores nothing', async () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dry', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n1' } };
    const created = await c.client.create('pods', pod);
    const marked = await c.registry.delete('pods', 'default', 'dry', { dryRun: true });
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await c.client.get('pods', 'default', 'dry')).metadata).toEqual(created.metadata);
    await c.client.delete('pods', 'default', 'dry');
    const terminating = await c.client.get('pods', 'default', 'dry');
    // A shorter grace period on a terminating pod: answered as the delete would store it.
    const shorter = await c.registry.delete('pods', 'default', 'dry', { dryRun: true, gracePeriodSeconds: 5 });
    expect(shorter.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(Date.parse(shorter.metadata.deletionTimestamp ?? '')).toBeLessThan(Date.parse(terminating.metadata.deletionTimestamp ?? ''));
    expect(await c.client.get('pods', 'default', 'dry')).toEqual(terminating);
    // Gone at once: answered as it was.
    expect(await c.registry.delete('pods', 'default', 'dry', { dryRun: true, gracePeriodSeconds: 0 })).toEqual(terminating);
    expect(await c.client.get('pods', 'default', 'dry')).toEqual(terminating);
  });

  it('binds a pod once', async () => {
    await c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    await c.client.bind('default', 'p', 'n1');
    expect(((await c.client.get('pods', 'default', 'p')).spec as { nodeName: string }).nodeName).toBe('n1');
    expect(await code(c.client.bind('default', 'p', 'n2'))).toBe(409);
  });

  it('binds from the cached pod: of binds racing a status patch and each other, one wins, the patch is kept, the others are 409', async () => {
    await c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'r', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    // All start from the same cached version; the store's compare-and-swap orders them.
    const patched = c.registry.patch('pods', 'default', 'r', 'merge', { status: { message: 'kept' } }, { subresource: 'status' });
    const binds = ['n1', 'n2', 'n3'].map((n) => c.client.bind('default', 'r', n).then(() => 'bound', async (e: unknown) => String(await code(Promise.reject(e)))));
    await patched;
    const outcomes = await Promise.all(binds);
    expect(outcomes.filter((o) => o === 'bound')).toHaveLength(1);
    expect(outcomes.filter((o) => o === '409')).toHaveLength(2);
    const pod = await c.client.get<KubeObject & { spec: { nodeName?: string }; status: { message?: string; conditions?: { type: string; status: string }[] } }>('pods', 'default', 'r');
    expect(['n1', 'n2', 'n3'][outcomes.indexOf('bound')]).toBe(pod.spec.nodeName);
    expect(pod.status.message).toBe('kept');
    expect(pod.status.conditions?.filter((x) => x.type === 'PodScheduled')).toEqual([expect.objectContaining({ status: 'True' })]);
  });

  it('applies an update without a resourceVersion again after losing a race (never a 409); with one, a stale version is a 409', async () => {
    await c.client.create('configmaps', cm('u'));
    const cur = await c.client.get<KubeObject>('configmaps', 'default', 'u');
    const { resourceVersion: _rv, ...meta } = cur.metadata;
    const writes = Array.from({ length: 8 }, (_, i) => c.registry.update('configmaps', 'default', 'u', { ...cur, metadata: meta, data: { n: String(i) } } as KubeObject, { owned: true }));
    const done = await Promise.all(writes);
    expect(new Set(done.map((o) => o.metadata.resourceVersion)).size).toBe(8);
    const last = done.reduce((a, b) => (Number(a.metadata.resourceVersion) > Number(b.metadata.resourceVersion) ? a : b));
    expect((await c.client.get<KubeObject & { data: unknown }>('configmaps', 'default', 'u')).data).toEqual((last as KubeObject & { data: unknown }).data);
    expect(await code(c.client.update('configmaps', { ...cur, data: { n: 'stale' } }))).toBe(409);
  });

  it('watches with label selectors: objects entering and leaving the selection become ADDED and DELETED', async () => {
    const seen: string[] = [];
    const w = c.client.watch('configmaps', { namespace: 'default', labelSelector: 'app=web' }, (e: WatchEvent) => seen.push(`${e.type} ${e.object.metadata.name}`));
    await new Promise((r) => setTimeout(r, 10));
    await c.client.create('configmaps', cm('a', { app: 'web' }));
    await c.client.create('configmaps', cm('b', { app: 'db' }));
    await c.client.patch('configmaps', 'default', 'b', 'merge', { metadata: { labels: { app: 'web' } } });
    await c.client.patch('configmaps', 'default', 'a', 'merge', { metadata: { labels: { app: 'db' } } });
    await c.client.delete('configmaps', 'default', 'b');
    await new Promise((r) => setTimeout(r, 10));
    w.dispose();
    expect(seen).toEqual(['ADDED a', 'ADDED b', 'DELETED a', 'DELETED b']);
  });

  it('replays every change after a resourceVersion exactly once, in order, under 1,000 concurrent writes', async () => {
    const start = (await c.client.list('configmaps')).metadata.resourceVersion;
    const writes = Array.from({ length: 1000 }, (_, i) => c.client.create('configmaps', cm(`c${i}`)));
    const seen: number[] = [];
    const names = new Set<string>();
    const w = c.client.watch('configmaps', { resourceVersion: start }, (e) => {
      seen.push(Number(e.object.metadata.resourceVersion));
      names.add(e.object.metadata.name as string);
    });
    await Promise.all(writes);
    await new Promise((r) => setTimeout(r, 50));
    w.dispose();
    expect(seen.length).toBe(1000);
    expect(names.size).toBe(1000);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('answers a watch from a compacted version with a 410 Expired ERROR event', async () => {
    for (let i = 0; i < 5; i++) await c.client.create('configmaps', cm(`c${i}`));
    await c.store.compact(c.store.currentRevision());
    const events: WatchEvent[] = [];
    const w = c.client.watch('configmaps', { resourceVersion: '1' }, (e) => events.push(e));
    const closedWith = await w.closed;
    expect(events[0]?.type).toBe('ERROR');
    expect((events[0]?.object as unknown as { code: number }).code).toBe(410);
    expect(closedWith).toBeInstanceOf(ApiError);
  });
});
