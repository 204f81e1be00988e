import { describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '../../orchestrator/api/types.js';
import { podsOfWorkload, workloadOf } from './owners.js';

const owned = (name: string, kind: string, owner: string): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner, uid: `${owner}-uid`, controller: true }] }, spec: { containers: [] } }) as unknown as Pod;

const rs = (name: string, deployment?: string): ReplicaSet =>
  ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', ...(deployment ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: 'd', controller: true }] } : {}) }, spec: { selector: {} } }) as unknown as ReplicaSet;

describe('workloads', () => {
  const replicasets = { replicasets: { 'default/web-1': rs('web-1', 'web'), 'default/web-2': rs('web-2', 'web'), 'default/solo': rs('solo') }, jobs: {} };
  it('names the Deployment above a ReplicaSet, else the controller itself', () => {
    expect(workloadOf(owned('a', 'ReplicaSet', 'web-1'), replicasets)).toEqual({ kind: 'Deployment', namespace: 'default', name: 'web' });
    expect(workloadOf(owned('b', 'ReplicaSet', 'solo'), replicasets)).toEqual({ kind: 'ReplicaSet', namespace: 'default', name: 'solo' });
    expect(workloadOf(owned('c', 'StatefulSet', 'db'), replicasets)).toEqual({ kind: 'StatefulSet', namespace: 'default', name: 'db' });
    expect(workloadOf({ ...owned('d', 'Job', 'j'), metadata: { name: 'd' } } as Pod, replicasets)).toBeUndefined();
  });

  it("lists a Deployment's pods across its ReplicaSets", () => {
    const pods = { 'default/b': owned('b', 'ReplicaSet', 'web-2'), 'default/a': owned('a', 'ReplicaSet', 'web-1'), 'default/c': owned('c', 'ReplicaSet', 'solo') };
    expect(podsOfWorkload(pods, replicasets, { kind: 'Deployment', namespace: 'default', name: 'web' }).map((p) => p.metadata.name)).toEqual(['a', 'b']);
  });
});
