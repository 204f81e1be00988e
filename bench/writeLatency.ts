// Mutating latency through the API: 16 clients, each on its own keep-alive HTTPS connection, create
// and update ConfigMaps against a real control plane in a process of its own (SQLite on disk, every
// controller running). Prints p50/p99 per request and the server's event-loop delay under that load,
// twice in one run: for the first writes after the server started (cold: code not yet optimized, the
// heap still growing) and for the writes after those (steady state, what a running server gives).
import { ApiConnection, percentile } from './support/http.js';
import { startServer, type ServerStats } from './api/harness.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const COLD = Number(process.env.BENCH_COLD_WRITES ?? 4000);
const WRITES = Number(process.env.BENCH_WRITES ?? 8000);

export async function writeLatency(): Promise<void> {
  const cp = await startServer();
  const stats = async (): Promise<ServerStats & { store: NonNullable<ServerStats['store']> }> => {
    const st = await cp.stats();
    if (!st?.store) throw new Error('the bench control plane did not answer stats');
    return { ...st, store: st.store };
  };
  const conns = Array.from({ length: CLIENTS }, () => new ApiConnection(cp.apiUrl, cp.caPem, cp.token));
  try {
    const path = '/api/v1/namespaces/default/configmaps';
    const data = { a: 'x'.repeat(200), b: 'y'.repeat(200) };
    let issued = 0;
    const run = async (budget: number, samples: number[]) => {
      let left = budget;
      await Promise.all(
        conns.map(async (c, ci) => {
          while (left > 0) {
            left -= 2;
            const name = `bench-${ci}-${issued++}`;
            let t = performance.now();
            const created = await c.send('POST', path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
            samples.push(performance.now() - t);
            if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
            const obj = created.body as { metadata: Record<string, unknown>; data: Record<string, string> };
            t = performance.now();
            const updated = await c.send('PUT', `${path}/${name}`, { ...obj, data: { ...obj.data, c: String(issued) } });
            samples.push(performance.now() - t);
            if (updated.status !== 200) throw new Error(`update answered ${updated.status}: ${JSON.stringify(updated.body)}`);
          }
        }),
      );
    };
    const f = (x: number) => `${x.toFixed(1)} ms`;
    let prev = await stats();
    const phase = async (label: string, writes: number) => {
      const samples: number[] = [];
      const t0 = performance.now();
      await run(writes, samples);
      const secs = (performance.now() - t0) / 1000;
      const after = await stats();
      const before = prev;
      prev = after;
      samples.sort((a, b) => a - b);
      const cpu = (after.cpuMs ?? NaN) - (before.cpuMs ?? NaN);
      const batches = after.store.batches - before.store.batches;
      console.log(`${label}: ${samples.length} creates + updates of ConfigMaps, ${CLIENTS} HTTPS clients`);
      console.log(`  p50 ${f(percentile(samples, 50))}   p90 ${f(percentile(samples, 90))}   p99 ${f(percentile(samples, 99))}   max ${f(samples.at(-1) ?? NaN)}`);
      console.log(`  throughput ${(samples.length / secs).toFixed(0)} writes/s   server CPU ${(cpu / samples.length).toFixed(2)} ms per write (every thread), ${(cpu / 10 / secs).toFixed(0)} % of a core`);
      console.log(`  server event loop delay: p50 ${f(after.loop.p50)}   p99 ${f(after.loop.p99)}   max ${f(after.loop.max)}`);
      console.log(`  datastore: ${batches} batches (${((after.store.writes - before.store.writes) / Math.max(1, batches)).toFixed(1)} writes each), one fdatasync each, off the loop`);
    };
    if (COLD > 0) await phase('cold (the first writes after the server started)', COLD);
    await phase('mutating requests, steady state', WRITES);
    for (const [kind, h] of Object.entries(prev.store.hold)) {
      console.log(`  ${kind.padEnd(11)} held the loop p50 ${h.p50.toFixed(2)} ms   p99 ${h.p99.toFixed(2)} ms   max ${h.max.toFixed(2)} ms   (${h.count} calls since start)`);
    }
  } finally {
    for (const c of conns) c.close();
    await cp.stop();
  }
}
