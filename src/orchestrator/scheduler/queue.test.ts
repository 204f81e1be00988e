import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { SchedulingQueue } from './queue.js';

function setup(opts: { maxInUnschedulableMs?: number } = {}) {
  const clock = new FakeClock();
  let wakes = 0;
  const q = new SchedulingQueue({ clock, onActive: () => wakes++, ...opts });
  const prio = new Map<string, number>();
  const add = (key: string, p = 0) => {
    prio.set(key, p);
    q.add(key, p);
  };
  const priorityOf = (k: string) => prio.get(k) ?? 0;
  /** Pops everything active, in order. */
  const drain = () => {
    const out: string[] = [];
    for (let k = q.pop(); k !== undefined; k = q.pop()) out.push(k);
    return out;
  };
  return { clock, q, add, priorityOf, drain, wakes: () => wakes };
}

describe('SchedulingQueue (kube-scheduler PriorityQueue)', () => {
  const orders: { name: string; adds: [string, number][]; want: string[] }[] = [
    { name: 'equal priorities pop in the order queued', adds: [['a', 0], ['b', 0], ['c', 0]], want: ['a', 'b', 'c'] },
    { name: 'higher priority first', adds: [['low', 0], ['high', 1000], ['mid', 10]], want: ['high', 'mid', 'low'] },
    { name: 'negative priorities after the default', adds: [['neg', -5], ['zero', 0]], want: ['zero', 'neg'] },
    { name: 'ties broken by queue order within a priority', adds: [['x1', 5], ['y', 9], ['x2', 5], ['z', 0], ['x3', 5]], want: ['y', 'x1', 'x2', 'x3', 'z'] },
  ];
  for (const c of orders) {
    it(c.name, () => {
      const t = setup();
      for (const [k, p] of c.adds) t.add(k, p);
      expect(t.drain()).toEqual(c.want);
    });
  }

  it('a high-priority pod jumps a long queue', () => {
    const t = setup();
    for (let i = 0; i < 5_000; i++) t.add(`bulk-${i}`);
    t.add('vip', 2_000_000_000);
    expect(t.q.pop()).toBe('vip');
    expect(t.q.pop()).toBe('bulk-0');
  });

  it('adding a queued pod again does not duplicate it; a priority change reorders it', () => {
    const t = setup();
    t.add('a');
    t.add('b');
    t.add('a');
    t.add('b', 7);
    expect(t.drain()).toEqual(['b', 'a']);
  });

  it('an error backs a pod off 1 s, doubling per attempt up to 10 s, then it is active again', async () => {
    const t = setup();
    t.add('p');
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      expect(t.q.pop()).toBe('p');
      t.q.failed('p', 'error');
      expect(t.q.pop()).toBeUndefined();
      const at = t.q.nextBackoffAt() as number;
      delays.push(at - t.clock.now());
      await t.clock.advance(at - t.clock.now() - 1);
      expect(t.q.sizes().active).toBe(0);
      await t.clock.advance(1);
      expect(t.q.sizes()).toMatchObject({ active: 1, backoff: 0 });
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('a successful attempt forgets the back-off', async () => {
    const t = setup();
    t.add('p');
    t.q.pop();
    t.q.failed('p', 'error');
    await t.clock.advance(1_000);
    t.q.pop();
    t.q.failed('p', 'error');
    expect((t.q.nextBackoffAt() as number) - t.clock.now()).toBe(2_000);
    await t.clock.advance(2_000);
    t.q.pop();
    t.q.done('p');
    t.add('p');
    t.q.pop();
    t.q.failed('p', 'error');
    expect((t.q.nextBackoffAt() as number) - t.clock.now()).toBe(1_000);
  });

  it('an unschedulable pod is parked until an event moves it: to backoffQ while backing off, else straight to activeQ', async () => {
    const t = setup();
    t.add('p');
    t.q.pop();
    t.q.failed('p', 'unschedulable');
    expect(t.q.sizes()).toMatchObject({ active: 0, backoff: 0, unschedulable: 1 });
    await t.clock.advance(60_000);
    expect(t.q.pop()).toBeUndefined();
    // Its back-off (1 s) is long over: the event makes it active at once.
    t.q.moveAll(t.priorityOf);
    expect(t.q.pop()).toBe('p');
    t.q.failed('p', 'unschedulable');
    // An event right after the failure: it waits out its back-off in backoffQ (1 s again: the
    // previous failure was over 2 x 10 s ago, and the shared Backoff forgives that).
    t.q.moveAll(t.priorityOf);
    expect(t.q.sizes()).toMatchObject({ active: 0, backoff: 1, unschedulable: 0 });
    await t.clock.advance(999);
    expect(t.q.pop()).toBeUndefined();
    await t.clock.advance(1);
    expect(t.q.pop()).toBe('p');
  });

  it('moveAll moves only the pods the event may help', () => {
    const t = setup();
    for (const k of ['aff', 'plain']) {
      t.add(k);
      t.q.pop();
      t.q.failed(k, 'unschedulable');
    }
    t.q.moveAll(t.priorityOf, (k) => k === 'aff');
    expect(t.q.sizes()).toMatchObject({ unschedulable: 1 });
    expect(t.q.isUnschedulable('plain')).toBe(true);
  });

  it('an event or a change of the pod during its attempt sends an unschedulable outcome to backoffQ, not to the parking lot', () => {
    for (const during of ['event', 'update'] as const) {
      const t = setup();
      t.add('p');
      expect(t.q.pop()).toBe('p');
      if (during === 'event') t.q.moveAll(t.priorityOf);
      else t.add('p');
      t.q.failed('p', 'unschedulable');
      expect(t.q.sizes(), during).toMatchObject({ backoff: 1, unschedulable: 0, active: 0 });
    }
  });

  it('a pod parked longer than the unschedulable timeout is moved by the periodic flush', async () => {
    const t = setup({ maxInUnschedulableMs: 300_000 });
    t.add('old');
    t.q.pop();
    t.q.failed('old', 'unschedulable');
    await t.clock.advance(200_000);
    t.add('young');
    t.q.pop();
    t.q.failed('young', 'unschedulable');
    await t.clock.advance(100_000);
    t.q.flushUnschedulableLeftover(t.priorityOf);
    expect(t.q.pop()).toBe('old');
    expect(t.q.isUnschedulable('young')).toBe(true);
  });

  it('park holds a pod without counting a failure; add moves it; delete forgets a pod everywhere', () => {
    const t = setup();
    t.q.park('vol');
    expect(t.q.isUnschedulable('vol')).toBe(true);
    t.add('vol');
    expect(t.q.pop()).toBe('vol');
    t.q.done('vol');
    for (const k of ['x', 'y', 'z']) t.add(k);
    t.q.pop();
    t.q.failed('x', 'error');
    t.q.pop();
    t.q.failed('y', 'unschedulable');
    for (const k of ['x', 'y', 'z']) t.q.delete(k);
    expect(t.q.sizes()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
    expect(t.q.nextBackoffAt()).toBeUndefined();
  });

  it('a failed binding (after the attempt) backs the pod off and retries it', async () => {
    const t = setup();
    t.add('p', 3);
    t.q.pop();
    t.q.done('p');
    t.q.retry('p', 3);
    expect(t.q.sizes()).toMatchObject({ backoff: 1 });
    await t.clock.advance(1_000);
    expect(t.q.pop()).toBe('p');
  });

  it('tells the loop each time a pod becomes active', async () => {
    const t = setup();
    t.add('a');
    t.q.pop();
    t.q.failed('a', 'error');
    const before = t.wakes();
    await t.clock.advance(1_000);
    expect(t.wakes()).toBe(before + 1);
  });
});
