import { describe, expect, it } from 'vitest';
import type { KubeObject, ReplicaSet } from '../../orchestrator/api/types.js';
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

  it('a namespace takes everything in it', () => {
    expect(dependentsOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, cluster).map((o) => o.metadata.name)).toEqual(['other']);
  });
});
