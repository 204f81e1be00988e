// The control plane under test, in a process of its own so the bench's clients never share its
// event loop. Started by harness.ts with ControlPlaneOptions (JSON, argv[2]); prints one JSON line
// saying where to reach it, then answers commands on stdin, one JSON line each:
//   stats -> {loop: {p50, p99, max} (ms, event-loop delay since the previous stats), rssMb, heapMb,
//            cpuMs (the process's CPU time so far, every thread's)}
//   stop  -> disposes the control plane and exits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startControlPlane, type ControlPlaneOptions } from '../../src/orchestrator/controlPlane.js';
import { consoleLogger, silentLogger } from '../../src/orchestrator/util/logger.js';

async function main(): Promise<void> {
  const extra = JSON.parse(process.argv[2] ?? '{}') as Partial<ControlPlaneOptions>;
  const home = mkdtempSync(join(tmpdir(), 'skiff-bench-api-'));
  const cp = await startControlPlane({
    home,
    apiPort: 0,
    localNode: 'off',
    agentBundlePath: resolve('dist/agent/skiff-agent.js'),
    log: process.env.SKIFF_BENCH_LOG ? consoleLogger({ component: 'bench-cp' }) : silentLogger,
    ...extra,
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const token = readFileSync(join(home, 'admin.token'), 'utf8').trim();
  const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
  say({ apiUrl: cp.apiUrl, caPem: cp.caPem, token, kubeconfig: cp.kubeconfigPath });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cp.dispose();
    rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'stats') {
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      const m = process.memoryUsage();
      const cpu = process.cpuUsage();
      say({ loop: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) }, rssMb: Math.round(m.rss / 1048576), heapMb: Math.round(m.heapUsed / 1048576), heapTotalMb: Math.round(m.heapTotal / 1048576), externalMb: Math.round(m.external / 1048576), cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
      loop.reset();
    } else if (line === 'stop') void stop();
  });
  lines.on('close', () => void stop());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
