import { describe, expect, it } from 'vitest';
import type { Job, KubeObject, ReplicaSet } from '../../orchestrator/api/types.js';
import { emptyCluster } from '../store/kinds.js';
import { byKey, pod } from '../testing/fixtures.js';
import { countByKind, dependentsOf } from './cascade.js';

describe('cascade', () => {
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default', uid: 'r1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1' }] }, spec: {} } as unknown as ReplicaSet;
  const p1 = pod('web-1-a');
  p1.metadata.uid = 'p1';
  p1.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1' }];
  const p2 = pod('web-1-b');
  p2.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1' }];
  const cluster = { ...emptyCluster(), replicasets: byKey(rs), pods: byKey(p1, p2, pod('other', { ns: 'shop' })) };
  const deploy: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd1' } };

  it('follows owner references transitively and counts by kind', () => {
    const deps = dependentsOf(deploy, cluster);
    expect(deps.map((d) => d.metadata.name)).toEqual(['web-1', 'web-1-a', 'web-1-b']);
    expect(countByKind(deps)).toBe('1 ReplicaSet and 2 Pods');
    expect(dependentsOf({ ...deploy, metadata: { name: 'x' } }, cluster)).toEqual([]);
    expect(countByKind([])).toBe('nothing');
  });

  it('a namespace takes everything in it, its Jobs and Ingresses too', () => {
    expect(dependentsOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, cluster).map((o) => o.metadata.name)).toEqual(['other']);
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'nightly', namespace: 'shop', uid: 'j1' }, spec: {} } as unknown as Job;
    const ing = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'front', namespace: 'shop' } };
    const deps = dependentsOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, { ...cluster, jobs: byKey(job), ingresses: byKey(ing) });
    expect(countByKind(deps)).toBe('1 Job, 1 Pod and 1 Ingress');
  });

  it("a CronJob takes its Jobs and their Pods", () => {
    const job = (name: string, uid: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default', uid, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'c1', controller: true }] }, spec: {} }) as unknown as Job;
    const run = pod('tick-1-x');
    run.metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'tick-1', uid: 'j1', controller: true }];
    const c = { ...emptyCluster(), jobs: byKey(job('tick-1', 'j1'), job('tick-2', 'j2')), pods: byKey(run, pod('solo')) };
    const deps = dependentsOf({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default', uid: 'c1' } }, c);
    expect(deps.map((d) => d.metadata.name)).toEqual(['tick-1', 'tick-2', 'tick-1-x']);
    expect(countByKind(deps)).toBe('2 Jobs and 1 Pod');
  });

  it('names each kind in the plural as a person would', () => {
    const of = (kind: string, n: number) => Array.from({ length: n }, (_, i): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name: `${kind}-${i}` } }));
    expect(countByKind([...of('Ingress', 2), ...of('Endpoints', 2), ...of('NetworkPolicy', 3)])).toBe('2 Ingresses, 2 Endpoints and 3 NetworkPolicies');
  });
});
