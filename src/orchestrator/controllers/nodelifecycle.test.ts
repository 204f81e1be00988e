import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, Node, Pod } from '../api/types.js';
import { getCondition, isPodActive, isPodReady } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const GRACE = 20_000;
const EVICTION = 10_000;

const getNode = (f: ControllerFixture, name: string) => f.client.get<Node>('nodes', undefined, name);

/** Moves time in heartbeat-sized steps; only the listed nodes' agents are alive. */
async function live(f: ControllerFixture, ms: number, alive: string[]): Promise<void> {
  for (let t = 0; t < ms; t += 5_000) {
    for (const n of alive) await f.heartbeat(n);
    await f.advance(Math.min(5_000, ms - t));
  }
}

describe('node lifecycle controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture({ nodeLifecycle: { gracePeriodMs: GRACE, evictionTimeoutMs: EVICTION, monitorPeriodMs: 1_000 } });
    await f.addNode('node-a');
    await f.addNode('node-b');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('marks a silent node NotReady, taints it, evicts its pods and has them replaced on another node', async () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x:1' }] } } },
    };
    await f.client.create('deployments', d);
    await f.settle();
    await f.readyAllPods();
    await f.settle();
    const onA = (await f.pods()).filter((p) => p.spec.nodeName === 'node-a');
    expect(onA.length).toBe(2);

    // node-a's agent stops; node-b keeps heartbeating. Not yet past the grace period: nothing happens.
    await live(f, GRACE - 5_000, ['node-b']);
    expect(getCondition((await getNode(f, 'node-a')).status?.conditions, 'Ready')?.status).toBe('True');

    await live(f, 6_000, ['node-b']);
    const a = await getNode(f, 'node-a');
    expect(getCondition(a.status?.conditions, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(a.spec?.taints).toEqual([{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: expect.any(String) }]);
    expect(getCondition((await getNode(f, 'node-b')).status?.conditions, 'Ready')?.status).toBe('True');
    expect((await f.events('NodeNotReady')).map((e) => e.message)).toEqual(['Node node-a status is now: NodeNotReady']);
    const stale = (await f.pods()).filter((p) => p.spec.nodeName === 'node-a');
    expect(stale.map(isPodReady)).toEqual([false, false]);

    // After the eviction timeout, node-a's pods are gone (not left terminating) and replaced on node-b.
    await live(f, EVICTION + 1_000, ['node-b']);
    const pods = await f.pods();
    expect(pods.filter((p) => p.spec.nodeName === 'node-a')).toEqual([]);
    expect(pods.filter(isPodActive).map((p) => p.spec.nodeName)).toEqual(['node-b', 'node-b', 'node-b', 'node-b']);
    expect(await f.events('TaintManagerEviction')).toHaveLength(2);

    // The agent comes back: Ready again, taint removed, new pods may go there again.
    await f.heartbeat('node-a');
    await f.settle();
    const back = await getNode(f, 'node-a');
    expect(getCondition(back.status?.conditions, 'Ready')?.status).toBe('True');
    expect(back.spec?.taints).toBeUndefined();
    expect((await f.events('NodeReady')).map((e) => e.message)).toEqual(['Node node-a status is now: NodeReady']);
  });

  it.each([
    { name: 'no toleration: evicted after the eviction timeout', tolerations: undefined, goneAfter: EVICTION },
    { name: 'tolerationSeconds shortens it', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }], goneAfter: 2_000 },
    { name: 'tolerating without a limit stays', tolerations: [{ operator: 'Exists' }], goneAfter: undefined },
  ])('eviction: $name', async ({ tolerations, goneAfter }) => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x:1' }], ...(tolerations ? { tolerations } : {}) } };
    await f.client.create('pods', pod);
    await live(f, GRACE + 1_000, ['node-b']);
    expect((await getNode(f, 'node-a')).spec?.taints?.[0]?.key).toBe('node.kubernetes.io/unreachable');
    const exists = async () => (await f.pods()).some((p) => p.metadata.name === 'p');
    expect(await exists()).toBe(true);
    if (goneAfter === undefined) {
      await live(f, EVICTION * 3, ['node-b']);
      expect(await exists()).toBe(true);
      return;
    }
    // isoTime() keeps whole seconds, so the taint may date from up to a second earlier.
    await live(f, goneAfter - 1_500, ['node-b']);
    expect(await exists()).toBe(true);
    await live(f, 2_000, ['node-b']);
    expect(await exists()).toBe(false);
  });

  it('says when a node never posted its status', async () => {
    await f.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-c' } });
    await live(f, GRACE + 1_000, ['node-a', 'node-b']);
    const c = await getNode(f, 'node-c');
    expect(getCondition(c.status?.conditions, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  });

  it('taints a node whose agent reports NotReady with not-ready, and deletes the pods of a deleted node', async () => {
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node-b', containers: [{ name: 'c', image: 'x:1' }] } });
    const a = await getNode(f, 'node-a');
    const conditions = a.status?.conditions?.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, reason: 'KubeletNotReady' } : c));
    await f.client.updateStatus('nodes', { ...a, status: { ...a.status, conditions } });
    await f.settle();
    expect((await getNode(f, 'node-a')).spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual(['node.kubernetes.io/not-ready:NoExecute']);

    await f.client.delete('nodes', undefined, 'node-b');
    await f.settle();
    expect(await f.pods()).toEqual([]);
  });

  describe('a silent control plane is not a silent node', () => {
    const web: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x:1' }] } } },
    };
    const spread = async () => {
      await f.client.create('deployments', web);
      await f.settle();
      await f.readyAllPods();
      await f.settle();
      const pods = await f.pods();
      expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['node-a', 'node-a', 'node-b', 'node-b']);
      return pods;
    };
    const names = async () => (await f.pods()).filter(isPodActive).map((p) => p.metadata.name).sort();
    const ready = async (n: string) => getCondition((await getNode(f, n)).status?.conditions, 'Ready')?.status;

    it('gives every node a fresh grace period when the controller starts, and replaces only a host that stays gone', async () => {
      const before = await spread();
      // The app is closed for ten minutes: no controller runs, no heartbeat lands.
      await f.mgr.dispose();
      await f.clock.advance(600_000);
      await f.restartControllers();
      // node-b's agent reconnects; node-a's host is really gone.
      await live(f, GRACE - 2_000, ['node-b']);
      expect(await ready('node-a')).toBe('True');
      expect(await ready('node-b')).toBe('True');
      expect(await f.events('NodeNotReady')).toEqual([]);
      expect(await names()).toEqual(before.map((p) => p.metadata.name).sort());
      // Past the grace period node-a is unreachable; after the eviction timeout its pods move.
      await live(f, 3_000, ['node-b']);
      expect(await ready('node-a')).toBe('Unknown');
      expect((await f.pods()).filter((p) => p.spec.nodeName === 'node-a')).toHaveLength(2);
      await live(f, EVICTION + 1_000, ['node-b']);
      const after = await f.pods();
      expect(after.filter((p) => p.spec.nodeName === 'node-a')).toEqual([]);
      // node-b's pods are the same pods: nothing there was touched.
      const onB = (ps: Pod[]) => ps.filter((p) => p.spec.nodeName === 'node-b').map((p) => p.metadata.uid);
      expect(onB(after)).toEqual(expect.arrayContaining(onB(before)));
      expect(after.filter(isPodActive)).toHaveLength(4);
    });

    it('gives a host that was unreachable before the restart a grace period after it to come back', async () => {
      const before = await spread();
      await live(f, GRACE + 2_000, ['node-b']);
      expect((await getNode(f, 'node-a')).spec?.taints?.[0]?.key).toBe('node.kubernetes.io/unreachable');
      // The app is closed for a minute (longer than the eviction timeout), then started again.
      await f.mgr.dispose();
      await f.clock.advance(60_000);
      await f.restartControllers();
      await live(f, 5_000, ['node-b']);
      await live(f, 10_000, ['node-a', 'node-b']);
      expect(await ready('node-a')).toBe('True');
      expect((await getNode(f, 'node-a')).spec?.taints).toBeUndefined();
      expect(await f.events('TaintManagerEviction')).toEqual([]);
      expect(await names()).toEqual(before.map((p) => p.metadata.name).sort());
    });

    it('loses nothing when the control plane is frozen longer than grace and eviction together', async () => {
      const before = await spread();
      await f.clock.freeze(GRACE + EVICTION + 30_000);
      // The agents' heartbeats, queued while the control plane was frozen, land as it thaws.
      await live(f, GRACE * 2, ['node-a', 'node-b']);
      expect(await ready('node-a')).toBe('True');
      expect(await ready('node-b')).toBe('True');
      expect(await f.events('NodeNotReady')).toEqual([]);
      expect((await getNode(f, 'node-a')).spec?.taints).toBeUndefined();
      expect(await names()).toEqual(before.map((p) => p.metadata.name).sort());
      expect((await f.pods()).every(isPodReady)).toBe(true);
    });

    it('evicts nothing while every node is unreachable at once, and gives a fresh grace period when one is back', async () => {
      const before = await spread();
      await live(f, GRACE + EVICTION * 3, []);
      expect(await ready('node-a')).toBe('Unknown');
      expect(await ready('node-b')).toBe('Unknown');
      expect((await getNode(f, 'node-a')).spec?.taints).toBeUndefined();
      expect(await f.events('TaintManagerEviction')).toEqual([]);
      expect(await names()).toEqual(before.map((p) => p.metadata.name).sort());
      // node-b is back; node-a gets a fresh grace period, then the eviction timeout, then its pods move.
      await live(f, GRACE - 2_000, ['node-b']);
      expect(await ready('node-b')).toBe('True');
      expect((await f.pods()).filter((p) => p.spec.nodeName === 'node-a' && isPodActive(p))).toHaveLength(2);
      await live(f, EVICTION + 4_000, ['node-b']);
      expect((await getNode(f, 'node-a')).spec?.taints?.[0]?.key).toBe('node.kubernetes.io/unreachable');
      expect((await f.pods()).filter((p) => p.spec.nodeName === 'node-a')).toEqual([]);
      expect((await f.pods()).filter(isPodActive).map((p) => p.spec.nodeName)).toEqual(['node-b', 'node-b', 'node-b', 'node-b']);
    });
  });
});
