// A real control plane in a process of its own, for benchmarks that load it from outside (so the
// clients' TLS and JSON work does not share its event loop). Started by `spawnControlPlane()` with
// `node --import tsx`; prints one JSON line `{apiUrl, caPem, token, home}` when ready, then answers
// each line "stats" on stdin with the event loop's delay figures since the last "stats" line and
// the datastore's figures.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startControlPlane } from '../../src/orchestrator/controlPlane.js';
import { silentLogger } from '../../src/orchestrator/util/logger.js';

async function main(): Promise<void> {
  const home = process.env.SKIFF_HOME || mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  const cp = await startControlPlane({ home, apiPort: 0, localNode: 'off', agentBundlePath: resolve('dist/agent/skiff-agent.js'), log: silentLogger });
  const token = readFileSync(join(home, 'admin.token'), 'utf8').trim();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  process.stdout.write(JSON.stringify({ apiUrl: cp.apiUrl, caPem: cp.caPem, token, home }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stats') {
      const ms = (ns: number) => ns / 1e6;
      process.stdout.write(JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), store: cp.datastore.stats() }) + '\n');
      h.reset();
    } else if (line === 'stop') break;
  }
  await cp.dispose();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench control plane: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
