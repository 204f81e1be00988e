// The datastore's size on disk against its live data over a simulated week of a small cluster's
// churn: the real datastore (state.db on disk, Secrets encrypted, Event TTL, compaction, incremental
// vacuum, WAL limit, maintenance on its timer) on a fake clock that moves a minute per step.
// Prints one line per simulated day. BENCH_DAYS sets the length (default 7).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatastore } from '../src/orchestrator/store/datastore.js';
import type { Store } from '../src/orchestrator/store/types.js';
import { FakeClock } from '../src/orchestrator/util/clock.js';
import { silentLogger } from '../src/orchestrator/util/logger.js';

const DAYS = Number(process.env.BENCH_DAYS ?? 7);
const NODES = 10;
const PODS = 200;

/** A JSON object of about `bytes` bytes, different each time `n` changes. */
function obj(kind: string, name: string, n: number, bytes: number): string {
  return JSON.stringify({ kind, metadata: { name, generation: n }, spec: { pad: 'x'.repeat(Math.max(0, bytes - 120)) }, status: { n, at: n * 7919 } });
}

/**
 * One simulated minute of a 10-node, 200-pod cluster: each Node's status written every 10 s (the
 * agent's heartbeat), 4 pods replaced (delete, create, 3 status updates), 20 new Events and 10 repeats of
 * recent ones (count++), 5 Endpoints updates, a Secret rotated every 10 minutes. About 115 writes.
 * All of a minute's writes are issued at once (they commit in one or two batches).
 */
export async function churnMinute(s: Store, minute: number): Promise<void> {
  const w: Promise<unknown>[] = [];
  // The agent's heartbeat: the Node's status every 10 s.
  for (let n = 0; n < NODES; n++) for (let r = 0; r < 6; r++) w.push(s.update(`/registry/nodes/node-${n}`, obj('Node', `node-${n}`, minute * 6 + r, 4000)));
  for (let k = 0; k < 4; k++) {
    const old = (minute * 4 + k) % PODS;
    // Issued in order without waiting: the store applies one queue in order.
    const key = `/registry/pods/default/pod-${old}`;
    w.push(s.delete(key), s.create(key, obj('Pod', `pod-${old}`, minute, 3000)));
    for (let u = 0; u < 3; u++) w.push(s.update(key, obj('Pod', `pod-${old}`, minute * 10 + u, 3200)));
  }
  for (let e = 0; e < 20; e++) w.push(s.create(`/registry/events/default/ev-${minute}-${e}`, obj('Event', `ev-${minute}-${e}`, 1, 900)));
  if (minute > 0) for (let e = 0; e < 10; e++) w.push(s.update(`/registry/events/default/ev-${minute - 1}-${e}`, obj('Event', `ev-${minute - 1}-${e}`, 2, 900)));
  for (let e = 0; e < 5; e++) w.push(s.update(`/registry/endpoints/default/svc-${(minute + e) % 20}`, obj('Endpoints', `svc-${e}`, minute, 1500)));
  if (minute % 10 === 0) w.push(s.update(`/registry/secrets/default/secret-${(minute / 10) % 20}`, obj('Secret', 'secret', minute, 1200)));
  await Promise.all(w);
}

/** The objects that live through the whole simulation. */
export async function seedCluster(s: Store): Promise<void> {
  const w: Promise<unknown>[] = [];
  for (let n = 0; n < NODES; n++) {
    w.push(s.create(`/registry/nodes/node-${n}`, obj('Node', `node-${n}`, 0, 4000)));
  }
  for (let p = 0; p < PODS; p++) w.push(s.create(`/registry/pods/default/pod-${p}`, obj('Pod', `pod-${p}`, 0, 3000)));
  for (let i = 0; i < 20; i++) {
    w.push(s.create(`/registry/endpoints/default/svc-${i}`, obj('Endpoints', `svc-${i}`, 0, 1500)));
    w.push(s.create(`/registry/services/default/svc-${i}`, obj('Service', `svc-${i}`, 0, 1500)));
    w.push(s.create(`/registry/configmaps/default/cm-${i}`, obj('ConfigMap', `cm-${i}`, 0, 2000)));
    w.push(s.create(`/registry/secrets/default/secret-${i}`, obj('Secret', `secret-${i}`, 0, 1200)));
  }
  await Promise.all(w);
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

export async function datastoreGrowth(): Promise<void> {
  // Sizes do not depend on the disk; tmpfs spares the simulated week a million real fsyncs.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const home = mkdtempSync(join(base, 'skiff-bench-growth-'));
  const clock = new FakeClock();
  const d = await openDatastore({ home, clock, log: silentLogger });
  try {
    await seedCluster(d.store);
    console.log(`datastore size vs live data, ${DAYS} simulated days of churn (~115 writes a minute; Events live 1 h)`);
    console.log(`  (in ${base}; sampled every simulated hour, maintenance on its own timer)`);
    console.log('  day   revision   live data   history   on disk now (db + WAL)   ratio now   worst ratio that day   free pages');
    let worst = 0;
    const t0 = performance.now();
    for (let day = 1; day <= DAYS; day++) {
      let dayWorst = 0;
      let line = '';
      for (let h = 0; h < 24; h++) {
        for (let m = 0; m < 60; m++) {
          await churnMinute(d.store, ((day - 1) * 24 + h) * 60 + m);
          await clock.advance(60_000);
        }
        const live = d.raw.liveData();
        const size = d.raw.sizes();
        const ratio = (size.fileBytes + size.walBytes) / live.bytes;
        dayWorst = Math.max(dayWorst, ratio);
        line = `  ${String(day).padStart(3)}   ${String(d.raw.currentRevision()).padStart(8)}   ${mb(live.bytes).padStart(9)}   ${mb(live.logBytes - live.bytes).padStart(7)}   ${`${mb(size.fileBytes)} + ${mb(size.walBytes)}`.padStart(22)}   ${ratio.toFixed(2).padStart(9)}   ${dayWorst.toFixed(2).padStart(20)}   ${String(size.freePages).padStart(10)}`;
      }
      if (day > 1) worst = Math.max(worst, dayWorst);
      console.log(line);
    }
    console.log(`  worst ratio after the first day: ${worst.toFixed(2)} (goal: about 2)   [${((performance.now() - t0) / 1000).toFixed(0)} s]`);
  } finally {
    d.close();
    rmSync(home, { recursive: true, force: true });
  }
}
