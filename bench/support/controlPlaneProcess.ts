// The control plane under test, in a process of its own so the bench's clients never share its
// event loop: every bench that loads a control plane from outside (api, scheduling, write-latency)
// starts this one, through harness.ts's startServer (bundled as the product ships, see
// serverEntry.ts). Options: ControlPlaneOptions as JSON in argv[2]; SKIFF_HOME to use a given
// directory (kept) instead of a temporary one (removed). Prints one JSON line saying where to
// reach it, then answers commands on stdin, one JSON line each:
//   stats -> {loop: {p50, p99, max} (ms, event-loop delay since the previous stats, 1 ms
//             resolution), rssMb, heapMb, heapTotalMb, externalMb, cpuMs (the process's CPU time so
//             far, every thread's), store (the datastore's figures: batches, writes, loop holds)}
//   scheduler -> starts a scheduler of its own, with its own informers, as a kube-scheduler process
//             started late does (for a control plane started with the manager's scheduler
//             disabled: `controllers: {disabled: ['scheduler']}`) -> {scheduler: true}
//   stop  -> disposes the control plane and exits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startControlPlane, type ControlPlaneOptions } from '../../src/orchestrator/controlPlane.js';
import { startScheduler } from '../../src/orchestrator/scheduler/scheduler.js';
import { systemClock } from '../../src/orchestrator/util/clock.js';
import { consoleLogger, silentLogger } from '../../src/orchestrator/util/logger.js';

async function main(): Promise<void> {
  const extra = JSON.parse(process.argv[2] ?? '{}') as Partial<ControlPlaneOptions>;
  const given = process.env.SKIFF_HOME;
  const home = given || mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  const log = process.env.SKIFF_BENCH_LOG ? consoleLogger({ component: 'bench-cp' }) : silentLogger;
  const cp = await startControlPlane({
    home,
    apiPort: 0,
    localNode: 'off',
    agentBundlePath: resolve('dist/agent/skiff-agent.js'),
    log,
    ...extra,
  });
  let scheduler: ReturnType<typeof startScheduler> | undefined;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const token = readFileSync(join(home, 'admin.token'), 'utf8').trim();
  const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
  say({ apiUrl: cp.apiUrl, caPem: cp.caPem, token, kubeconfig: cp.kubeconfigPath, home });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await scheduler?.dispose();
    await cp.dispose();
    if (!given) rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'stats') {
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      const m = process.memoryUsage();
      const cpu = process.cpuUsage();
      const mb = (b: number) => Math.round(b / 1048576);
      say({
        loop: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
        rssMb: mb(m.rss),
        heapMb: mb(m.heapUsed),
        heapTotalMb: mb(m.heapTotal),
        externalMb: mb(m.external),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        store: cp.datastore.stats(),
      });
      loop.reset();
    } else if (line === 'scheduler') {
      // The flow the manager gives its scheduler: bindings are not queued behind the creates.
      scheduler ??= startScheduler({ client: cp.client.forFlow('scheduler', 'workload-high'), clock: systemClock, log });
      say({ scheduler: true });
    } else if (line === 'stop') void stop();
  });
  lines.on('close', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`bench control plane: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
