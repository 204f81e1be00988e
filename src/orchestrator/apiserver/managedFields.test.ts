import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { FieldSet, formatPath } from './fieldpath.js';
import { resourceType } from '../api/resources.js';
import { updateManagedFields, type ManagedFieldsEntry } from './managedFields.js';

type Cluster = Awaited<ReturnType<typeof memoryCluster>>;

const deploy = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'd' } },
    template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'img:1', ...extra }] } },
  },
});

const entries = (o: KubeObject) => (o.metadata.managedFields ?? []) as ManagedFieldsEntry[];
const entry = (o: KubeObject, manager: string) => entries(o).find((e) => e.manager === manager);

describe('FieldSet', () => {
  it('round-trips fieldsV1, marking members with children by "."', () => {
    const v1 = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:list': { 'k:{"name":"a"}': { '.': {}, 'f:x': {} } }, 'f:set': { 'v:"p"': {} } } };
    const s = FieldSet.fromFieldsV1(v1);
    expect(s.size).toBe(5);
    expect(s.toFieldsV1()).toEqual(v1);
  });

  it('writes a set read from its own encoding as that same tree, and any other tree as the set encodes', () => {
    const v1 = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:list': { 'k:{"name":"a"}': { '.': {}, 'f:x': {} } } } };
    expect(FieldSet.fromFieldsV1(v1).toFieldsV1()).toBe(v1);
    // Unchanged by a set operation: still its tree. Changed: a new encoding.
    const s = FieldSet.fromFieldsV1(v1);
    expect(s.difference(FieldSet.of([['f:status']])).toFieldsV1()).toBe(v1);
    expect(s.union(FieldSet.of([['f:metadata', 'f:labels', 'f:app']])).toFieldsV1()).toBe(v1);
    const smaller = s.difference(FieldSet.of([['f:metadata', 'f:labels', 'f:app']]));
    expect(smaller.toFieldsV1()).toEqual({ 'f:metadata': { 'f:labels': {} }, 'f:spec': v1['f:spec'] });
    expect(s.union(FieldSet.of([['f:spec', 'f:y']])).toFieldsV1()).toEqual({ ...v1, 'f:spec': { ...v1['f:spec'], 'f:y': {} } });
    // Trees the encoder would not write (unsorted keys, "." alone, a non-empty ".", a scalar leaf)
    // are read for their paths and written canonically.
    const odd = [
      { 'f:spec': {}, 'f:metadata': {} },
      { 'f:spec': { '.': {} } },
      { 'f:spec': { '.': { x: {} }, 'f:a': {} } },
      { 'f:spec': { 'f:a': 1, 'f:b': {} } },
    ];
    for (const tree of odd) {
      const read = FieldSet.fromFieldsV1(tree);
      const written = read.toFieldsV1();
      expect(written).not.toBe(tree);
      expect(written).toEqual(FieldSet.of(read.list()).toFieldsV1());
    }
  });

  it('prints paths as structured-merge-diff does', () => {
    expect(formatPath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'])).toBe('.spec.template.spec.containers[name="web"].image');
    expect(formatPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'])).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(formatPath(['f:metadata', 'f:finalizers', 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
  });
});

describe('updateManagedFields', () => {
  it('lets the caller pace it between its stages and inside the long ones, and gives the same answer however it is paced', async () => {
    const r = resourceType('configmaps');
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
    const cm = (d: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'default' }, data: d } as KubeObject);
    let paced = 0;
    const pace = async () => {
      paced++;
      await new Promise<void>((res) => setImmediate(res));
    };
    const unpaced = async () => {};
    const data = keys(2_000);
    // A create is one walk (addedFieldsV1Steps): below STEP keys it has no stage to pace.
    const created = await updateManagedFields(r, undefined, cm(data), { manager: 'a', now: 't0' }, pace);
    expect(created).toEqual(await updateManagedFields(r, undefined, cm(data), { manager: 'a', now: 't0' }, unpaced));
    expect(Object.keys((created?.[0]?.fieldsV1 as Record<string, Record<string, unknown>>)['f:data'] ?? {})).toHaveLength(2_001); // '.' and the keys
    const current = { ...cm(data), metadata: { ...cm(data).metadata, managedFields: created } };
    paced = 0;
    const updated = await updateManagedFields(r, current, cm({ ...data, k1: 'changed' }), { manager: 'b', now: 't1' }, pace);
    // An update's stages: decoding the stored entries, comparing, each set operation, encoding.
    expect(paced).toBeGreaterThanOrEqual(3);
    expect(updated?.map((e) => e.manager)).toEqual(['a', 'b']);
    expect(updated?.[1]?.fieldsV1).toEqual({ 'f:data': { 'f:k1': {} } });
    expect(await updateManagedFields(r, current, cm({ ...data, k1: 'changed' }), { manager: 'b', now: 't1' }, unpaced)).toEqual(updated);
    // Nothing changed: the stored entries as they are.
    expect(await updateManagedFields(r, current, cm(data), { manager: 'b', now: 't1' }, pace)).toBe(created);

    // A map of 40,000 keys: reading its keys and writing them into the tree stop every STEP (4,096)
    // keys, so no stretch between two pace points walks more than that; the answer is the same.
    const big = keys(40_000);
    paced = 0;
    const bigCreated = await updateManagedFields(r, undefined, cm(big), { manager: 'a', now: 't0' }, pace);
    expect(paced).toBeGreaterThanOrEqual(2 * Math.floor(40_000 / 4_096));
    expect(bigCreated).toEqual(await updateManagedFields(r, undefined, cm(big), { manager: 'a', now: 't0' }, unpaced));
    const fields = (bigCreated?.[0]?.fieldsV1 as Record<string, Record<string, unknown>>)['f:data'] ?? {};
    expect(Object.keys(fields)).toEqual(['.', ...Object.keys(big).map((k) => `f:${k}`).sort()]);
  });
});

describe('updateManagedFields limited to the status', () => {
  const r = resourceType('pods');
  const unpaced = async () => {};
  const pod = (status: unknown, managedFields?: unknown): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: { app: 'a' }, ...(managedFields ? { managedFields } : {}) },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }] }], nodeName: 'n1' },
      ...(status === undefined ? {} : { status }),
    }) as KubeObject;
  const running = (ready: string, extra: Record<string, unknown> = {}) => ({
    phase: 'Running',
    podIP: '10.0.0.1',
    conditions: [
      { type: 'Ready', status: ready, lastTransitionTime: 't' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: 't' },
    ],
    ...extra,
  });
  // Both ways, and with the status fields any order of writers leaves: the answer must be the same, key order included.
  const both = async (current: KubeObject, next: KubeObject, manager: string, subresource = 'status') => {
    const full = await updateManagedFields(r, current, next, { manager, subresource, now: 't9' }, unpaced);
    const limited = await updateManagedFields(r, current, next, { manager, subresource, now: 't9', only: 'status' }, unpaced);
    expect(JSON.stringify(limited)).toBe(JSON.stringify(full));
    return full;
  };

  it('answers what comparing the whole object answers', async () => {
    const created = await updateManagedFields(r, undefined, pod(undefined), { manager: 'kubectl', now: 't0' }, unpaced);
    const scheduler = [...(created ?? []), { manager: 'sched', operation: 'Update', apiVersion: 'v1', time: 't1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"PodScheduled"}': { '.': {}, 'f:type': {} } } } } }];
    // The kubelet's first status write, over the creator's entry and the scheduler's (which owns a condition).
    const first = await both(pod({ conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: 't' }] }, scheduler), pod(running('False'), scheduler), 'kubelet');
    expect(first?.map((e) => e.manager)).toEqual(['kubectl', 'sched', 'kubelet']);
    // Its next write changes one field and drops another; then another writer takes a field from it.
    const second = await both(pod(running('False'), first), pod(running('True', { message: 'm' }), first), 'kubelet');
    const third = await both(pod(running('True', { message: 'm' }), second), pod({ ...running('True'), reason: 'R' }, second), 'other');
    expect(third?.map((e) => e.manager)).toEqual(['kubectl', 'sched', 'kubelet', 'other']);
    // The status removed altogether; nothing changed at all (the stored entries, as they are).
    await both(pod(running('True'), third), pod(undefined, third), 'kubelet');
    const unchanged = await updateManagedFields(r, pod(running('True'), third), pod(running('True'), third), { manager: 'kubelet', subresource: 'status', now: 't9', only: 'status' }, unpaced);
    expect(unchanged).toBe(third);
    // An Apply entry owning status fields, the writer's own entry owning none, and an entry whose tree is empty.
    const odd = [
      ...(third ?? []),
      { manager: 'ssa', operation: 'Apply', apiVersion: 'v1', time: 't2', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:phase': {} } } },
      { manager: 'writer', operation: 'Update', apiVersion: 'v1', time: 't3', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:x': {} } } }, subresource: 'status' },
      { manager: 'empty', operation: 'Update', apiVersion: 'v1', time: 't4', fieldsType: 'FieldsV1', fieldsV1: {} },
    ];
    const after = await both(pod(running('True'), odd), pod({ ...running('False'), phase: 'Failed' }, odd), 'writer');
    expect(after?.map((e) => e.manager)).toEqual(['kubectl', 'sched', 'kubelet', 'other', 'writer']);
  });
});

describe('managed fields', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await memoryCluster();
  });
  afterEach(() => c.dispose());

  it('a create records the creator (Update) over every field it set, defaults included', async () => {
    const d = await c.registry.create('deployments', 'default', deploy(1), { fieldManager: 'creator' });
    const e = entry(d, 'creator');
    expect(e).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(e?.fieldsV1).toMatchObject({
      'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:progressDeadlineSeconds': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {} } } } } },
    });
    // Identity and server-maintained metadata belong to nobody.
    expect((e?.fieldsV1 as Record<string, unknown>)['f:metadata']).toBeUndefined();
    expect(JSON.stringify(e?.fieldsV1)).not.toMatch(/f:uid|f:resourceVersion|f:creationTimestamp|f:generation|f:apiVersion|f:kind/);
  });

  it("records the creator's fields before the strategy and admission add theirs, and never the status a create resets", async () => {
    await c.registry.create('serviceaccounts', 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } } as KubeObject);
    const p = await c.registry.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject, { fieldManager: 'kubectl-run' });
    // Admission added the service account's token volume and the priority; the strategy set the status.
    expect(JSON.stringify(p.spec)).toMatch(/kube-api-access-/);
    expect((p.spec as { priority?: number }).priority).toBe(0);
    expect(p.status).toMatchObject({ phase: 'Pending' });
    const fields = entry(p, 'kubectl-run')?.fieldsV1 as Record<string, Record<string, unknown>>;
    expect(Object.keys(fields)).toEqual(['f:metadata', 'f:spec']);
    expect(fields['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
    // What the writer sent and the defaults: as kube-apiserver records `kubectl run`.
    expect(Object.keys(fields['f:spec'] ?? {})).toEqual(expect.arrayContaining(['f:containers', 'f:dnsPolicy', 'f:enableServiceLinks', 'f:restartPolicy', 'f:schedulerName', 'f:securityContext', 'f:terminationGracePeriodSeconds']));
    expect(JSON.stringify(fields)).not.toMatch(/kube-api-access|f:volumes|f:volumeMounts|f:priority|f:preemptionPolicy|f:status/);
    // A Service: the cluster IP the strategy allocates is nobody's.
    const svc = await c.registry.create('services', 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } } as KubeObject, { fieldManager: 'kubectl' });
    expect((svc.spec as { clusterIP?: string }).clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(JSON.stringify(entry(svc, 'kubectl')?.fieldsV1)).not.toMatch(/f:clusterIPs?"/);
  });

  it('an update takes the fields it changes from other managers; no change leaves everything as is', async () => {
    const d = await c.registry.create('deployments', 'default', deploy(1), { fieldManager: 'creator' });
    const scaled = await c.registry.patch('deployments', 'default', 'd', 'merge', { spec: { replicas: 3 } }, { fieldManager: 'scaler' });
    expect(entry(scaled, 'scaler')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(JSON.stringify(entry(scaled, 'creator')?.fieldsV1)).not.toContain('f:replicas');
    const same = await c.registry.patch('deployments', 'default', 'd', 'merge', { spec: { replicas: 3 } }, { fieldManager: 'other' });
    expect(same.metadata.resourceVersion).toBe(scaled.metadata.resourceVersion);
    expect(entry(same, 'other')).toBeUndefined();
    expect(d.metadata.resourceVersion).not.toBe(scaled.metadata.resourceVersion);
  });

  it('keys named like the properties every object inherits (constructor, toString) are fields like any other', async () => {
    const cm = (labels: Record<string, string>, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odd', namespace: 'default', labels }, data });
    await c.registry.create('configmaps', 'default', cm({ constructor: 'a', keep: 'k' }, { toString: 'x', keep: 'k' }), { fieldManager: 'creator' });
    const fields = (o: KubeObject, m: string) => JSON.stringify(entry(o, m)?.fieldsV1);
    // Removed by another manager: no longer anyone's.
    const other = await c.registry.update('configmaps', 'default', 'odd', cm({ keep: 'k', valueOf: 'v' }, { keep: 'k', hasOwnProperty: 'h' }), { fieldManager: 'other' });
    expect(fields(other, 'creator')).not.toMatch(/f:constructor|f:toString/);
    expect(fields(other, 'other')).toMatch(/f:valueOf/);
    expect(fields(other, 'other')).toMatch(/f:hasOwnProperty/);
  });

  it('status writes are entries of the status subresource', async () => {
    const d = await c.registry.create('deployments', 'default', deploy(1), { fieldManager: 'creator' });
    const s = await c.registry.update('deployments', 'default', 'd', { ...d, status: { replicas: 1 } }, { subresource: 'status', fieldManager: 'ctl' });
    expect(entry(s, 'ctl')).toMatchObject({ operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
  });

  it('server-side apply: Apply entries, conflicts, shared values, force and pruning', async () => {
    const a = await c.registry.apply('deployments', 'default', 'd', deploy(1), { fieldManager: 'a' });
    expect(entry(a, 'a')).toMatchObject({ operation: 'Apply' });
    expect(entry(a, 'a')?.fieldsV1).toEqual({
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      },
    });
    // Same values: shared, no conflict.
    await c.registry.apply('deployments', 'default', 'd', deploy(1), { fieldManager: 'b' });
    // Different value: 409 with a cause per field.
    const err = await c.registry.apply('deployments', 'default', 'd', deploy(2, { image: 'img:2' }), { fieldManager: 'b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(409);
    expect((err as ApiError).message).toBe('Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\n- .spec.template.spec.containers[name="c"].image');
    expect((err as ApiError).details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.template.spec.containers[name="c"].image' },
    ]);
    const forced = await c.registry.apply('deployments', 'default', 'd', deploy(2, { image: 'img:2' }), { fieldManager: 'b', force: true });
    expect((forced.spec as { replicas: number }).replicas).toBe(2);
    expect(JSON.stringify(entry(forced, 'a')?.fieldsV1)).not.toMatch(/f:replicas|f:image/);
    // b stops applying `args` it added: nobody else owns them, so they go.
    await c.registry.apply('deployments', 'default', 'd', deploy(2, { image: 'img:2', args: ['x'] }), { fieldManager: 'b' });
    const pruned = await c.registry.apply('deployments', 'default', 'd', deploy(2, { image: 'img:2' }), { fieldManager: 'b' });
    expect((pruned.spec as { template: { spec: { containers: { args?: string[] }[] } } }).template.spec.containers[0]?.args).toBeUndefined();
    // An Update manager's field is a conflict too, named with its version and time.
    await c.registry.patch('deployments', 'default', 'd', 'merge', { spec: { replicas: 5 } }, { fieldManager: 'kubectl', fieldsSubresource: 'scale' });
    const err2 = await c.registry.apply('deployments', 'default', 'd', deploy(2, { image: 'img:2' }), { fieldManager: 'b' }).catch((e: unknown) => e);
    expect((err2 as ApiError).message).toMatch(/^Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1 at \S+Z: \.spec\.replicas$/);
  });

  it('apply creates when absent (the caller learns it was created) and needs a field manager', async () => {
    const r = await c.registry.applyOrCreate('configmaps', 'default', 'x', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } } as unknown as KubeObject, { fieldManager: 'm' });
    expect(r.created).toBe(true);
    expect((await c.registry.applyOrCreate('configmaps', 'default', 'x', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '2' } } as unknown as KubeObject, { fieldManager: 'm' })).created).toBe(false);
    await expect(c.registry.apply('configmaps', 'default', 'x', { apiVersion: 'v1', kind: 'ConfigMap' }, {})).rejects.toMatchObject({ code: 400 });
  });

  it('managed fields a client sends replace the stored ones; [{}] clears them', async () => {
    const d = await c.registry.create('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', namespace: 'default' }, data: { a: '1' } }, { fieldManager: 'x' });
    expect(entries(d)).toHaveLength(1);
    const cleared = await c.registry.update('configmaps', 'default', 'm', { ...d, metadata: { ...d.metadata, managedFields: [{}] } });
    expect(cleared.metadata.managedFields).toBeUndefined();
  });
});
