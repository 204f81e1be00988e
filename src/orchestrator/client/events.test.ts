import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeEvent, KubeObject } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { silentLogger } from '../util/logger.js';
import { EventRecorder } from './events.js';

describe('EventRecorder', () => {
  let c: Awaited<ReturnType<typeof memoryCluster>>;
  let rec: EventRecorder;
  let pod: KubeObject;
  beforeEach(async () => {
    c = await memoryCluster();
    rec = new EventRecorder({ client: c.client, clock: c.clock, log: silentLogger, component: 'kubelet', host: 'node-a' });
    pod = await c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'x:1' }] } });
  });
  afterEach(() => c.dispose());
  const events = async () => (await c.client.list<KubeEvent>('events')).items;

  it('writes a core/v1 Event about the object', async () => {
    rec.record(pod, 'Normal', 'Pulled', 'Container image "x:1" already present on machine');
    await rec.idle();
    const [ev, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(ev).toMatchObject({
      metadata: { namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: pod.metadata.uid, apiVersion: 'v1', resourceVersion: pod.metadata.resourceVersion },
      reason: 'Pulled',
      message: 'Container image "x:1" already present on machine',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-a' },
      reportingComponent: 'kubelet',
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
      count: 1,
    });
    expect(ev?.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
  });

  it('aggregates repeats by bumping count and lastTimestamp; a new message is a new Event', async () => {
    for (let i = 0; i < 3; i++) {
      rec.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      await c.clock.advance(10_000);
    }
    rec.record(pod, 'Warning', 'BackOff', 'Back-off pulling image "x:1"');
    await rec.idle();
    const list = (await events()).sort((a, b) => (a.message ?? '').localeCompare(b.message ?? ''));
    expect(list.map((e) => [e.message, e.count, e.firstTimestamp, e.lastTimestamp])).toEqual([
      ['Back-off pulling image "x:1"', 1, '2026-01-01T00:00:30Z', '2026-01-01T00:00:30Z'],
      ['Back-off restarting failed container', 3, '2026-01-01T00:00:00Z', '2026-01-01T00:00:20Z'],
    ]);
  });

  it('starts a new Event when the aggregated one was deleted, and files node events under default', async () => {
    rec.record(pod, 'Normal', 'Killing', 'Stopping container a');
    await rec.idle();
    const [first] = await events();
    await c.client.delete('events', 'default', first?.metadata.name ?? '');
    rec.record(pod, 'Normal', 'Killing', 'Stopping container a');
    const node = await c.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    rec.record(node, 'Normal', 'NodeReady', 'Node node-a status is now: NodeReady');
    await rec.idle();
    const list = (await events()).sort((a, b) => (a.reason ?? '').localeCompare(b.reason ?? ''));
    expect(list.map((e) => [e.reason, e.count, e.metadata.namespace, e.involvedObject.namespace])).toEqual([
      ['Killing', 1, 'default', 'default'],
      ['NodeReady', 1, 'default', undefined],
    ]);
  });
});
