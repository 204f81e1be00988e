import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceQuota } from '../../api/resourceQuota.js';
import type { KubeObject, Pod } from '../../api/types.js';
import { controllerFixture, type ControllerFixture } from '../../controllers/testkit.js';
import { refusal } from '../../testing/apiErrors.js';
import { memoryCluster } from '../../testing/memoryCluster.js';

const quota = (name: string, hard: Record<string, string>, more: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'default' }, spec: { hard, ...more } }) as KubeObject;
const pod = (name: string, resources?: Record<string, unknown>, spec: Record<string, unknown> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c0', image: 'x:1', ...(resources ? { resources } : {}) }], ...spec } }) as Pod;
const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} }) as KubeObject;

describe('ResourceQuota (the quota admission)', () => {
  it('counts what the namespace holds when created, charges each write, and refuses one that would go over, as kube-apiserver words it', async () => {
    const { client, registry } = await memoryCluster();
    await client.create('configmaps', cm('before'));
    const q = await client.create<ResourceQuota>('resourcequotas', quota('q', { pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi', 'count/configmaps': '2', 'services.nodeports': '1' }));
    expect(q.status).toEqual({
      hard: { pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi', 'count/configmaps': '2', 'services.nodeports': '1' },
      used: { pods: '0', 'requests.cpu': '0', 'limits.memory': '0', 'count/configmaps': '1', 'services.nodeports': '0' },
    });
    // A quota on requests.cpu and limits.memory: every container must state them.
    expect(await refusal(client.create('pods', pod('vague', { requests: { cpu: '100m' } })))).toEqual({ code: 403, message: 'pods "vague" is forbidden: failed quota: q: must specify limits.memory for: c0' });
    await client.create('pods', pod('a', { requests: { cpu: '600m' }, limits: { memory: '256Mi' } }));
    expect((await client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status?.used).toMatchObject({ pods: '1', 'requests.cpu': '600m', 'limits.memory': '256Mi' });
    expect(await refusal(client.create('pods', pod('b', { requests: { cpu: '500m' }, limits: { memory: '256Mi' } })))).toEqual({
      code: 403,
      message: 'pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1',
    });
    // A dry run is checked, not charged.
    await registry.create('pods', 'default', pod('dry', { requests: { cpu: '100m' }, limits: { memory: '1Mi' } }), { dryRun: true });
    expect((await client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status?.used).toMatchObject({ pods: '1', 'requests.cpu': '600m' });
    await client.create('configmaps', cm('second'));
    expect(await refusal(client.create('configmaps', cm('third')))).toEqual({ code: 403, message: 'configmaps "third" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2' });
    const svc = (type: string, ports: number) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${ports}`, namespace: 'default' }, spec: { type, selector: { a: 'b' }, ports: Array.from({ length: ports }, (_, i) => ({ name: `p${i}`, port: 80 + i })) } }) as KubeObject;
    expect((await refusal(client.create('services', svc('NodePort', 2)))).message).toBe('services "s-2" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    await client.create('services', svc('ClusterIP', 3));
    // Turning it into a NodePort Service adds three node ports: an update that grows usage is checked too.
    expect((await refusal(client.patch('services', 'default', 's-3', 'merge', { spec: { type: 'NodePort' } }))).message).toMatch(/^services "s-3" is forbidden: exceeded quota: q, requested: services.nodeports=3/);
  });

  it('gives the charge back when the write then fails: a name taken, a conflicting update', async () => {
    const { client, registry } = await memoryCluster();
    await client.create('resourcequotas', quota('q', { pods: '2', 'services.nodeports': '1' }));
    const used = async () => (await client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status?.used;
    await client.create('pods', pod('a'));
    expect((await refusal(client.create('pods', pod('a')))).code).toBe(409);
    expect(await used()).toEqual({ pods: '1', 'services.nodeports': '0' });
    // The refused create did not use the room: a second pod still fits.
    await client.create('pods', pod('b'));
    expect(await used()).toEqual({ pods: '2', 'services.nodeports': '0' });
    type Svc = KubeObject & { spec: Record<string, unknown> };
    const svc = await client.create<Svc>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } } as Svc);
    // The NodePort change is charged, then loses the race for the Service to a label change made meanwhile.
    const toNodePort = registry.update('services', 'default', 's', { ...svc, spec: { ...svc.spec, type: 'NodePort' } });
    const relabel = registry.update('services', 'default', 's', { ...svc, metadata: { ...svc.metadata, labels: { x: 'y' } } });
    expect((await refusal(toNodePort)).code).toBe(409);
    await relabel;
    expect(await used()).toEqual({ pods: '2', 'services.nodeports': '0' });
    await client.patch('services', 'default', 's', 'merge', { spec: { type: 'NodePort' } });
    expect(await used()).toEqual({ pods: '2', 'services.nodeports': '1' });
  });

  it('applies a scoped quota only to the pods its scopes cover', async () => {
    const { client } = await memoryCluster();
    await client.create('priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gold' }, value: 100 } as KubeObject);
    await client.create('resourcequotas', quota('best-effort', { pods: '1' }, { scopes: ['BestEffort'] }));
    await client.create('resourcequotas', quota('gold', { pods: '1' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['gold'] }] } }));
    await client.create('pods', pod('be-1'));
    expect((await refusal(client.create('pods', pod('be-2')))).message).toBe('pods "be-2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    // Requests make it Burstable: outside the BestEffort scope.
    await client.create('pods', pod('burstable', { requests: { cpu: '10m' } }));
    await client.create('pods', pod('gold-1', { requests: { cpu: '10m' } }, { priorityClassName: 'gold' }));
    expect((await refusal(client.create('pods', pod('gold-2', { requests: { cpu: '10m' } }, { priorityClassName: 'gold' })))).message).toMatch(/exceeded quota: gold, requested: pods=1/);
  });

  it('validates a quota: quantities, scope names, conflicting scopes, and resources a scope cannot apply to', async () => {
    const { client } = await memoryCluster();
    const e = await refusal(client.create('resourcequotas', quota('bad', { pods: 'lots', 'count/configmaps': '-1', configmaps: '1' }, { scopes: ['Terminating', 'NotTerminating', 'Sometimes'] })));
    expect(e.code).toBe(422);
    for (const part of [
      'spec.hard[pods]: Invalid value: "lots": must be a valid resource quantity',
      'spec.hard[count/configmaps]: Invalid value: "-1": must be greater than or equal to 0',
      'unsupported scope applied to resource',
      'spec.scopes[2]: Unsupported value: "Sometimes"',
      'conflicting scopes',
    ]) expect(e.message).toContain(part);
  });
});

describe('ResourceQuota (the quota controller)', () => {
  let f: ControllerFixture;
  afterEach(async () => {
    await f?.dispose();
  });

  it('gives usage back when pods finish or go, counts any kind named count/<resource>.<group>, and follows a changed limit', async () => {
    f = await controllerFixture({ disabled: ['deployment', 'replicaset', 'garbagecollector', 'scheduler'] });
    await f.client.create('resourcequotas', quota('q', { pods: '2', 'count/deployments.apps': '1' }));
    await f.settle();
    await f.client.create('pods', pod('a'));
    await f.client.create('pods', pod('b'));
    expect((await refusal(f.client.create('pods', pod('c')))).message).toMatch(/exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2/);
    // A finished pod no longer counts, a deleted one neither.
    const a = await f.client.get<Pod>('pods', 'default', 'a');
    await f.client.updateStatus('pods', { ...a, status: { phase: 'Succeeded' } });
    await f.client.delete('pods', 'default', 'b', { gracePeriodSeconds: 0 });
    await f.settle();
    expect((await f.client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status?.used).toEqual({ pods: '0', 'count/deployments.apps': '0' });
    await f.client.create('pods', pod('c'));
    const deploy = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } } }) as KubeObject;
    await f.client.create('deployments', deploy('one'));
    expect((await refusal(f.client.create('deployments', deploy('two')))).message).toBe('deployments.apps "two" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    // A higher limit counts at once.
    await f.client.patch('resourcequotas', 'default', 'q', 'merge', { spec: { hard: { pods: '5', 'count/deployments.apps': '2' } } });
    await f.settle();
    expect((await f.client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status).toEqual({ hard: { pods: '5', 'count/deployments.apps': '2' }, used: { pods: '1', 'count/deployments.apps': '1' } });
    await f.client.create('deployments', deploy('two'));
  });

  it('does not recount on a change of the usage alone (the admission charging a write not stored yet), only when objects or the spec change', async () => {
    f = await controllerFixture({ disabled: ['deployment', 'replicaset', 'garbagecollector', 'scheduler'] });
    await f.client.create('resourcequotas', quota('q', { pods: '5' }));
    await f.settle();
    // As the admission writes it: three pods charged, none stored yet.
    const q = await f.client.get<ResourceQuota>('resourcequotas', 'default', 'q');
    await f.client.updateStatus('resourcequotas', { ...q, status: { hard: { pods: '5' }, used: { pods: '3' } } });
    await f.settle();
    expect((await f.client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status?.used).toEqual({ pods: '3' });
    // A pod stored: the namespace is recounted from what it holds.
    await f.client.create('pods', pod('a'));
    await f.settle();
    expect((await f.client.get<ResourceQuota>('resourcequotas', 'default', 'q')).status?.used).toEqual({ pods: '1' });
  });
});
