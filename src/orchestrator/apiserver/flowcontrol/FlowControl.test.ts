import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { LocalClient } from '../../client/LocalClient.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { FakeClock } from '../../util/clock.js';
import { Registry } from '../registry.js';
import { FlowControl, type FlowControlOptions } from './FlowControl.js';
import { classify, type FlowRequest } from './levels.js';

/** A FlowControl whose turns the test steps by hand, and whose time moves only when told. */
function stepped(opts: Omit<FlowControlOptions, 'schedule' | 'now'> = {}) {
  const pending: (() => void)[] = [];
  let t = 0;
  const fc = new FlowControl({ clock: new FakeClock(), ...opts, schedule: (fn) => pending.push(fn), now: () => t });
  return {
    fc,
    advanceTime: (ms: number) => (t += ms),
    /** Runs one turn (whatever was scheduled), then lets the admitted requests' promise chains run. */
    async turn(): Promise<void> {
      for (const fn of pending.splice(0)) fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

const low = (flow: string): FlowRequest => ({ level: 'workload-low', flow, inProcess: true });

describe('FlowControl', () => {
  it('a flood of in-process work never delays another level: a node and a person are admitted at once', async () => {
    const s = stepped({ levels: { 'workload-low': { perTurn: 2, turnBudgetMs: Infinity } } });
    let floodDone = 0;
    const flood = Array.from({ length: 1000 }, () => s.fc.run(low('replicaset'), async () => void floodDone++));
    await s.turn();
    let node = false;
    let person = false;
    const n = s.fc.run({ level: 'system', flow: 'system:node:a' }, async () => void (node = true));
    const p = s.fc.run({ level: 'workload-high', flow: 'admin' }, async () => void (person = true));
    await Promise.resolve();
    await Promise.resolve();
    // Zero turns: admitted in the caller's own turn.
    expect(node && person).toBe(true);
    await Promise.all([n, p]);
    expect(floodDone).toBeLessThanOrEqual(4);
    for (let i = 0; i < 600; i++) await s.turn();
    await Promise.all(flood);
    expect(floodDone).toBe(1000);
  });

  it('serves the flows of a level round robin: a second controller waits at most one round behind a flood', async () => {
    const s = stepped({ levels: { 'workload-low': { perTurn: 3, turnBudgetMs: Infinity } } });
    const order: string[] = [];
    const flood = Array.from({ length: 300 }, (_, i) => s.fc.run(low('replicaset'), async () => void order.push(`rs${i}`)));
    await s.turn();
    await s.turn();
    const before = order.length;
    const sched = s.fc.run(low('scheduler'), async () => void order.push('scheduler'));
    let turns = 0;
    while (!order.includes('scheduler')) {
      await s.turn();
      turns++;
    }
    // Bounded in turns, not milliseconds: the next turn admits it, after at most one flood request of that turn.
    expect(turns).toBe(1);
    expect(order.indexOf('scheduler') - before).toBeLessThanOrEqual(1);
    await sched;
    while (order.length < 301) await s.turn();
    await Promise.all(flood);
  });

  it('admits at most perTurn in-process requests per turn, and yields between turns', async () => {
    const s = stepped({ levels: { 'workload-low': { perTurn: 5, turnBudgetMs: Infinity } } });
    let ran = 0;
    const all = Array.from({ length: 23 }, () => s.fc.run(low('gc'), async () => void ran++));
    // The first five are admitted in the caller's turn.
    await Promise.resolve();
    await Promise.resolve();
    expect(ran).toBe(5);
    const perTurn: number[] = [];
    while (ran < 23) {
      const before = ran;
      await s.turn();
      perTurn.push(ran - before);
    }
    expect(perTurn).toEqual([5, 5, 5, 3]);
    await Promise.all(all);
  });

  it('adapts the per-turn count to the turn budget: slow requests one per turn, fast ones many', async () => {
    const s = stepped({ levels: { 'workload-low': { seats: 100, perTurn: 64, turnBudgetMs: 10 } } });
    const costly = Array.from({ length: 60 }, () =>
      s.fc.run(low('rs'), async () => {
        s.advanceTime(6);
      }),
    );
    const counts: number[] = [];
    let done = 0;
    void Promise.all(costly).then(() => (done = 1));
    for (let i = 0; i < 40 && !done; i++) {
      const before = s.fc.stats()['workload-low'].admitted;
      await s.turn();
      counts.push(s.fc.stats()['workload-low'].admitted - before);
    }
    // 6 ms each against a 10 ms budget: down to one (or two) per turn.
    expect(Math.max(...counts.slice(5))).toBeLessThanOrEqual(2);
    await Promise.all(costly);
    const cheap = Array.from({ length: 2000 }, () => s.fc.run(low('rs'), async () => undefined));
    const cheapCounts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const before = s.fc.stats()['workload-low'].admitted;
      await s.turn();
      cheapCounts.push(s.fc.stats()['workload-low'].admitted - before);
      if (s.fc.stats()['workload-low'].queued === 0) break;
    }
    expect(Math.max(...cheapCounts)).toBe(64);
    await Promise.all(cheap);
  });

  it('holds a seat while a request runs; a client waits for a seat, then gets 429 when the queue is full or it waited too long', async () => {
    const clock = new FakeClock();
    const s = stepped({ clock, levels: { 'catch-all': { seats: 1, queueLimit: 2, maxWaitMs: 1_000 } } });
    let release!: () => void;
    const first = s.fc.run({ level: 'catch-all', flow: 'u' }, () => new Promise<void>((r) => (release = r)));
    let second = false;
    const waiting = s.fc.run({ level: 'catch-all', flow: 'u' }, async () => void (second = true));
    const third = s.fc.run({ level: 'catch-all', flow: 'v' }, async () => 3);
    const refused = await s.fc.run({ level: 'catch-all', flow: 'w' }, async () => 4).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(429);
    expect((refused as ApiError).message).toBe('Too many requests, please try again later.');
    await s.turn();
    expect(second).toBe(false);
    release();
    await first;
    await s.turn();
    expect(second).toBe(true);
    await waiting;
    // The third waits behind the (now free) seat only one turn.
    await s.turn();
    expect(await third).toBe(3);
    // A long-running request holds the only seat: the next one times out with 429 after maxWaitMs.
    let hold!: () => void;
    const long = s.fc.run({ level: 'catch-all', flow: 'u' }, () => new Promise<void>((r) => (hold = r)));
    const late = s.fc.run({ level: 'catch-all', flow: 'x' }, async () => 5).catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(((await late) as ApiError).code).toBe(429);
    hold();
    await long;
    expect(s.fc.stats()['catch-all']).toMatchObject({ executing: 0, queued: 0, rejected: 2 });
  });

  it('never refuses in-process requests, however many wait', async () => {
    const s = stepped({ levels: { 'workload-low': { queueLimit: 1, perTurn: 1, turnBudgetMs: Infinity } } });
    const all = Array.from({ length: 50 }, (_, i) => s.fc.run(low('rs'), async () => i));
    for (let i = 0; i < 60; i++) await s.turn();
    expect((await Promise.all(all)).length).toBe(50);
  });

  it('classifies nodes, people, service accounts and the rest', () => {
    expect(classify({ user: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'] }).level).toBe('system');
    expect(classify({ user: 'skiff-admin', groups: ['system:masters', 'system:authenticated'] }).level).toBe('workload-high');
    expect(classify({ user: 'skiff-ui', groups: ['system:masters'] }).level).toBe('workload-high');
    expect(classify({ user: 'system:serviceaccount:a:b', groups: ['system:serviceaccounts'] }).level).toBe('workload-low');
    expect(classify({ user: 'someone', groups: ['system:authenticated'] })).toEqual({ level: 'catch-all', flow: 'someone' });
  });

  it('makes in-process controllers yield: the event loop turns between batches of a 500-pod burst', async () => {
    const clock = new FakeClock();
    const store = new SqliteStore(':memory:');
    const registry = new Registry(store, clock);
    const fc = new FlowControl({ clock, levels: { 'workload-low': { perTurn: 10, turnBudgetMs: Infinity } } });
    const client = new LocalClient(registry, fc, 'replicaset');
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    // A "socket" read each turn of the event loop: how many creates happened before it got its turn.
    let created = 0;
    const seenByTurn: number[] = [];
    let stop = false;
    const poll = () => {
      seenByTurn.push(created);
      if (!stop) setImmediate(poll);
    };
    setImmediate(poll);
    const pod = (i: number) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    await Promise.all(Array.from({ length: 500 }, (_, i) => client.create('pods', pod(i)).then(() => created++)));
    stop = true;
    const steps = seenByTurn.map((n, i) => n - (seenByTurn[i - 1] ?? 0));
    // Never more than one turn's share (10) between two turns of the loop; many turns in all.
    // After the caller's own turn, never more than one turn's share (10) between two turns of the loop.
    expect(Math.max(...steps.slice(1))).toBeLessThanOrEqual(10);
    expect(seenByTurn.length).toBeGreaterThanOrEqual(45);
    registry.dispose();
    store.close();
  });
});
