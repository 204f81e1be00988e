import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { SYSTEM_PRIORITY_CLASSES } from './priorityClasses.js';

let c: Awaited<ReturnType<typeof memoryCluster>>;

beforeEach(async () => {
  c = await memoryCluster();
  for (const pc of SYSTEM_PRIORITY_CLASSES) await c.client.create('priorityclasses', structuredClone(pc));
});

afterEach(() => c.dispose());

const pc = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra }) as KubeObject;
const pod = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } }) as Pod;
const err = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { code: number; message: string });

describe('PriorityClass and pod priority admission', () => {
  it('resolves priorityClassName to spec.priority and preemptionPolicy', async () => {
    await c.client.create('priorityclasses', pc('high', 1000, { preemptionPolicy: 'Never' }));
    const p = await c.client.create<Pod>('pods', pod('a', { priorityClassName: 'high' }));
    expect(p.spec).toMatchObject({ priority: 1000, priorityClassName: 'high', preemptionPolicy: 'Never' });
    const sys = await c.client.create<Pod>('pods', pod('b', { priorityClassName: 'system-node-critical' }));
    expect(sys.spec).toMatchObject({ priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' });
  });

  it('uses the global default class, else 0', async () => {
    expect((await c.client.create<Pod>('pods', pod('none'))).spec.priority).toBe(0);
    await c.client.create('priorityclasses', pc('default', 50, { globalDefault: true }));
    expect((await c.client.create<Pod>('pods', pod('d'))).spec).toMatchObject({ priority: 50, priorityClassName: 'default' });
  });

  it.each([
    ['an unknown class', pod('x', { priorityClassName: 'nope' }), 'no PriorityClass with name nope was found'],
    ['a priority that disagrees', pod('y', { priority: 7 }), 'the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0'],
  ])('refuses %s (403)', async (_n, p, message) => {
    const e = await err(c.client.create('pods', p));
    expect(e?.code).toBe(403);
    expect(e?.message).toContain(message);
  });

  it('validates classes: one default, reserved names, the user maximum, value immutable, system classes kept', async () => {
    await c.client.create('priorityclasses', pc('d1', 1, { globalDefault: true }));
    expect((await err(c.client.create('priorityclasses', pc('d2', 2, { globalDefault: true }))))?.message).toContain('PriorityClass d1 is already marked as default. Only one default can exist');
    expect((await err(c.client.create('priorityclasses', pc('system-mine', 5))))?.message).toContain("priority class names with 'system-' prefix are reserved for system use only");
    expect((await err(c.client.create('priorityclasses', pc('huge', 1_000_000_001))))?.message).toContain('maximum allowed value of a user defined priority is 1000000000');
    const d1 = await c.client.get('priorityclasses', undefined, 'd1');
    expect((await err(c.client.update('priorityclasses', { ...d1, value: 3 } as KubeObject)))?.message).toContain('value: Invalid value: 3: field is immutable');
    expect((await err(c.client.delete('priorityclasses', undefined, 'system-cluster-critical')))?.code).toBe(403);
  });
});
