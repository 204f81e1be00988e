import { describe, expect, it } from 'vitest';
import type { Pod } from '../../orchestrator/api/types.js';
import { pod } from '../testing/fixtures.js';
import { KubeApi, type FetchFn } from './client.js';
import { drainBlockers, drainPlan, runDrain, type PodProgress } from './drain.js';

function owned(p: Pod, kind: string): Pod {
  p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind, name: 'x', uid: 'u', controller: true }];
  p.metadata.uid = `uid-${p.metadata.name}`;
  return p;
}

describe('drain', () => {
  const pods = [
    owned(pod('rs-pod', { nodeName: 'n1', phase: 'Running' }), 'ReplicaSet'),
    owned(pod('ds-pod', { nodeName: 'n1', phase: 'Running' }), 'DaemonSet'),
    pod('bare', { nodeName: 'n1', phase: 'Running' }),
    pod('done', { nodeName: 'n1', phase: 'Succeeded' }),
    owned(pod('elsewhere', { nodeName: 'n2' }), 'ReplicaSet'),
  ];
  const scratch = owned(pod('scratch', { nodeName: 'n1', phase: 'Running' }), 'ReplicaSet');
  scratch.spec.volumes = [{ name: 'tmp', emptyDir: {} }] as Pod['spec']['volumes'];
  pods.push(scratch);

  it("classifies a node's pods as kubectl drain does", () => {
    const plan = drainPlan(pods, 'n1', { force: false, deleteEmptyDirData: false });
    expect(plan.map((p) => [p.name, p.classes.join('+'), p.removes])).toEqual([
      ['bare', 'unmanaged', false],
      ['done', 'remove', true],
      ['ds-pod', 'daemonset', false],
      ['rs-pod', 'remove', true],
      ['scratch', 'emptydir', false],
    ]);
    expect(drainBlockers(plan).map((p) => p.name)).toEqual(['bare', 'scratch']);
    const forced = drainPlan(pods, 'n1', { force: true, deleteEmptyDirData: true });
    expect(forced.filter((p) => p.removes).map((p) => p.name)).toEqual(['bare', 'done', 'rs-pod', 'scratch']);
    expect(drainBlockers(forced)).toEqual([]);
  });

  it('evicts, retries while a disruption budget answers 429, then waits until the pod is gone', async () => {
    const calls: string[] = [];
    let evictions = 0;
    let gets = 0;
    const fetchFn: FetchFn = async (url, init) => {
      calls.push(`${init?.method} ${url}`);
      if (url.endsWith('/eviction')) {
        evictions++;
        if (evictions === 1) return new Response(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' }), { status: 429 });
        return new Response(JSON.stringify({ kind: 'Status', status: 'Success' }), { status: 201 });
      }
      gets++;
      if (gets === 1) return new Response(JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'rs-pod', uid: 'uid-rs-pod', deletionTimestamp: 'x' } }));
      return new Response(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }), { status: 404 });
    };
    const plan = drainPlan(pods.filter((p) => p.metadata.name === 'rs-pod'), 'n1', { force: false, deleteEmptyDirData: false });
    const seen: PodProgress['state'][] = [];
    await runDrain(new KubeApi(fetchFn), plan, { mode: 'evict', sleeper: { sleep: async () => undefined }, signal: new AbortController().signal, onProgress: (_k, p) => seen.push(p.state) });
    expect(seen).toEqual(['waiting', 'evicting', 'blocked', 'evicting', 'terminating', 'gone']);
    expect(calls).toEqual([
      'POST /k8s/api/v1/namespaces/default/pods/rs-pod/eviction',
      'POST /k8s/api/v1/namespaces/default/pods/rs-pod/eviction',
      'GET /k8s/api/v1/namespaces/default/pods/rs-pod',
      'GET /k8s/api/v1/namespaces/default/pods/rs-pod',
    ]);
  });

  it('deletes instead where eviction is not served; a failure is reported per pod', async () => {
    const fetchFn: FetchFn = async (url, init) => {
      if (init?.method === 'DELETE') return new Response(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' }), { status: 403 });
      return new Response('{}', { status: 404 });
    };
    const plan = drainPlan(pods, 'n1', { force: false, deleteEmptyDirData: false });
    const last = new Map<string, PodProgress>();
    await runDrain(new KubeApi(fetchFn), plan, { mode: 'delete', sleeper: { sleep: async () => undefined }, signal: new AbortController().signal, onProgress: (k, p) => last.set(k, p) });
    expect([...last.keys()].sort()).toEqual(['default/done', 'default/rs-pod']);
    expect(last.get('default/rs-pod')).toEqual({ state: 'failed', message: 'no' });
  });
});
