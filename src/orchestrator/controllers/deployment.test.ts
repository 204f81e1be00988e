import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../api/types.js';
import { deploymentComplete } from './deploymentstatus.js';
import { HASH_LABEL, REVISION } from './deploymentutil.js';
import { controllerRef, isPodActive, isPodReady } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

function deployment(replicas: number, image = 'local/web:1', spec: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      ...spec,
    },
  };
}

const getD = (f: ControllerFixture) => f.client.get<Deployment>('deployments', 'default', 'web');
const replicaSets = async (f: ControllerFixture) => (await f.list<ReplicaSet>('replicasets', 'default')).sort((a, b) => Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]));
const setImage = (f: ControllerFixture, image: string) => f.client.patch('deployments', 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } });

/**
 * Plays the agent until the rollout completes: pods the scheduler bound become Ready, terminating pods
 * go away. Returns the most pods that were ever active and the fewest that were ever ready meanwhile.
 */
async function rollOut(f: ControllerFixture, maxRounds = 30): Promise<{ maxActive: number; minReady: number }> {
  let maxActive = 0;
  let minReady = Infinity;
  for (let i = 0; i < maxRounds; i++) {
    await f.settle();
    const pods = (await f.pods()).filter(isPodActive);
    maxActive = Math.max(maxActive, pods.length);
    minReady = Math.min(minReady, pods.filter(isPodReady).length);
    const d = await getD(f);
    if (d.status && deploymentComplete(d, d.status) && (d.status.replicas ?? 0) === (d.spec.replicas ?? 1) && (await f.pods()).every((p) => !p.metadata.deletionTimestamp)) {
      return { maxActive, minReady };
    }
    await f.readyAllPods();
    await f.finishTerminating();
  }
  throw new Error(`rollout did not complete: ${JSON.stringify((await getD(f)).status)}`);
}

describe('deployment controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
    await f.addNode('node-b');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('creates a ReplicaSet per template, its pods, and reports a complete rollout', async () => {
    await f.client.create('deployments', deployment(3));
    await rollOut(f);
    const [rs, ...more] = await replicaSets(f);
    expect(more).toHaveLength(0);
    const hash = rs?.metadata.labels?.[HASH_LABEL] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(rs?.spec.selector.matchLabels).toEqual({ app: 'web', [HASH_LABEL]: hash });
    expect(rs?.spec.template.metadata?.labels).toEqual({ app: 'web', [HASH_LABEL]: hash });
    expect(rs?.metadata.annotations).toMatchObject({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    const d = await getD(f);
    expect(controllerRef(rs!)?.uid).toBe(d.metadata.uid);
    expect(d.metadata.annotations?.[REVISION]).toBe('1');
    expect(d.status).toMatchObject({ observedGeneration: d.metadata.generation, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0 });
    const cond = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(cond.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(cond.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });
    expect((await f.events('ScalingReplicaSet')).map((e) => e.message)).toEqual([`Scaled up replica set web-${hash} to 3`]);
    // Pods spread over both nodes.
    expect(new Set((await f.pods()).map((p) => p.spec.nodeName)).size).toBe(2);
  });

  it.each([
    { replicas: 4, strategy: undefined, maxActive: 5, minReady: 3 },
    { replicas: 4, strategy: { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, maxActive: 4, minReady: 3 },
    { replicas: 4, strategy: { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 } }, maxActive: 6, minReady: 4 },
  ])('rolls a template change to a new ReplicaSet within surge/unavailable: $strategy', async ({ replicas, strategy, maxActive, minReady }) => {
    await f.client.create('deployments', deployment(replicas, 'local/web:1', strategy ? { strategy } : {}));
    await rollOut(f);
    const [old] = await replicaSets(f);
    await setImage(f, 'local/web:2');
    const seen = await rollOut(f);
    expect(seen.maxActive).toBeLessThanOrEqual(maxActive);
    expect(seen.minReady).toBeGreaterThanOrEqual(minReady);
    const [oldAfter, current, ...rest] = await replicaSets(f);
    expect(rest).toHaveLength(0);
    expect(oldAfter?.metadata.name).toBe(old?.metadata.name);
    expect(oldAfter?.spec.replicas).toBe(0);
    expect(current?.spec.replicas).toBe(replicas);
    expect(current?.metadata.annotations?.[REVISION]).toBe('2');
    expect((await getD(f)).metadata.annotations?.[REVISION]).toBe('2');
    const pods = (await f.pods()).filter(isPodActive);
    expect(pods.every((p) => p.spec.containers[0]?.image === 'local/web:2')).toBe(true);
    const scaled = (await f.events('ScalingReplicaSet')).map((e) => e.message);
    expect(scaled).toContain(`Scaled down replica set ${old?.metadata.name} to 0`);
  });

  it('Recreate scales the old ReplicaSet to zero and waits for its pods before creating the new one', async () => {
    await f.client.create('deployments', deployment(2, 'local/web:1', { strategy: { type: 'Recreate' } }));
    await rollOut(f);
    await setImage(f, 'local/web:2');
    await f.settle();
    // Old pods are terminating (their agent has not finished): no new ReplicaSet yet.
    expect(await replicaSets(f)).toHaveLength(1);
    expect((await replicaSets(f))[0]?.spec.replicas).toBe(0);
    expect((await f.pods()).every((p) => p.metadata.deletionTimestamp)).toBe(true);
    await f.finishTerminating();
    await f.settle();
    const sets = await replicaSets(f);
    expect(sets).toHaveLength(2);
    expect(sets[1]?.spec.replicas).toBe(2);
    await rollOut(f);
  });

  it('scales without rolling, proportionally mid-rollout', async () => {
    await f.client.create('deployments', deployment(2));
    await rollOut(f);
    await f.client.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 5 } });
    await rollOut(f);
    const sets = await replicaSets(f);
    expect(sets.map((s) => s.spec.replicas)).toEqual([5]);
    expect((await f.events('ScalingReplicaSet')).map((e) => e.message)).toContain(`Scaled up replica set ${sets[0]?.metadata.name} to 5`);
    // Mid-rollout (new pods not ready), a scale to 10 is shared between old and new.
    await setImage(f, 'local/web:2');
    await f.settle();
    await f.client.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 10 } });
    await f.settle();
    const [o, n] = await replicaSets(f);
    expect((o?.spec.replicas ?? 0) + (n?.spec.replicas ?? 0)).toBeLessThanOrEqual(10 + 3);
    expect(o?.spec.replicas).toBeGreaterThan(5);
    expect(n?.spec.replicas).toBeGreaterThan(2);
    await rollOut(f);
    expect((await replicaSets(f)).map((s) => s.spec.replicas)).toEqual([0, 10]);
  });

  it('does not roll while paused, and rolls once resumed', async () => {
    await f.client.create('deployments', deployment(2));
    await rollOut(f);
    await f.client.patch('deployments', 'default', 'web', 'merge', { spec: { paused: true } });
    await setImage(f, 'local/web:2');
    await f.settle();
    expect(await replicaSets(f)).toHaveLength(1);
    const paused = (await getD(f)).status?.conditions?.find((c) => c.type === 'Progressing');
    expect(paused).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    await f.client.patch('deployments', 'default', 'web', 'merge', { spec: { paused: false } });
    await rollOut(f);
    expect((await replicaSets(f)).map((s) => s.spec.replicas)).toEqual([0, 2]);
  });

  it('re-uses the old ReplicaSet with the next revision on rollback (kubectl rollout undo)', async () => {
    await f.client.create('deployments', deployment(2));
    await rollOut(f);
    const [first] = await replicaSets(f);
    await setImage(f, 'local/web:2');
    await rollOut(f);
    // What `kubectl rollout undo` sends: the old RS's template, without the hash label.
    const template = structuredClone(first!.spec.template);
    delete template.metadata?.labels?.[HASH_LABEL];
    await f.client.patch('deployments', 'default', 'web', 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
    await rollOut(f);
    const sets = await replicaSets(f);
    expect(sets).toHaveLength(2);
    const back = sets.find((s) => s.metadata.name === first?.metadata.name);
    expect(back?.metadata.annotations?.[REVISION]).toBe('3');
    expect(back?.spec.replicas).toBe(2);
    expect((await getD(f)).metadata.annotations?.[REVISION]).toBe('3');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await f.client.create('deployments', deployment(1, 'local/web:1', { revisionHistoryLimit: 1 }));
    await rollOut(f);
    for (const v of [2, 3, 4]) {
      await setImage(f, `local/web:${v}`);
      await rollOut(f);
    }
    await f.settle();
    const sets = await replicaSets(f);
    expect(sets.map((s) => [s.metadata.annotations?.[REVISION], s.spec.replicas])).toEqual([
      ['3', 0],
      ['4', 1],
    ]);
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    await f.client.create('deployments', deployment(2, 'local/web:1', { progressDeadlineSeconds: 10 }));
    await f.settle();
    const progressing = () => getD(f).then((d) => d.status?.conditions?.find((c) => c.type === 'Progressing'));
    expect((await progressing())?.status).toBe('True');
    await f.advance(12_000);
    expect(await progressing()).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect((await getD(f)).status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });
});
