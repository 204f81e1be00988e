import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from '../api/client.js';
import type { Sleeper } from '../api/watch.js';
import { createAppStore } from './appStore.js';
import { startMetricsSync } from './metricsSync.js';

/** A sleeper the test releases one step at a time, recording each requested delay. */
function steppedSleeper() {
  const waits: number[] = [];
  let release: (() => void) | undefined;
  const sleeper: Sleeper = {
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        waits.push(ms);
        release = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  return { waits, sleeper, step: () => release?.() };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('metrics polling', () => {
  it('polls at the resolution the server reports, keeps the sample, and drops it when the API goes away', async () => {
    let served = true;
    let cpu = '100m';
    const fetchFn: FetchFn = async (url) => {
      if (!served) return new Response(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }), { status: 404 });
      const body = url.endsWith('/nodes')
        ? { items: [{ metadata: { name: 'n1' }, window: '5s', usage: { cpu, memory: '1Mi' } }] }
        : { items: [{ metadata: { name: 'p', namespace: 'd' }, window: '5s', containers: [{ name: 'c', usage: { cpu: '1m', memory: '1Mi' } }] }] };
      return new Response(JSON.stringify(body), { status: 200 });
    };
    const store = createAppStore();
    const s = steppedSleeper();
    const stop = startMetricsSync(new KubeApi(fetchFn), store, s.sleeper);
    await until(() => s.waits.length === 1);
    expect(s.waits[0]).toBe(5000);
    expect(store.getState().usage.state).toBe('live');
    expect(store.getState().usage.nodes.n1).toEqual({ cpu: 0.1, memory: 2 ** 20 });
    const pods = store.getState().usage.pods;

    cpu = '200m';
    s.step();
    await until(() => s.waits.length === 2);
    expect(store.getState().usage.nodes.n1?.cpu).toBe(0.2);
    expect(store.getState().usage.pods).toBe(pods);

    served = false;
    s.step();
    await until(() => s.waits.length === 3);
    expect(store.getState().usage.state).toBe('unavailable');
    expect(store.getState().usage.nodes).toEqual({});
    expect(s.waits[2]).toBe(60_000);
    stop();
  });
});
