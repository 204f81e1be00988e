// Endpoint ready -> traffic, and endpoint gone -> no traffic, through a ClusterIP (part of
// `npm run bench -- network`). A prober in lab host w1's namespace opens one connection after another
// to a Service's cluster IP and logs which pod answered each and when that connection started; a
// pod on w1 always serves, and each round adds a pod on w2: the time from the new pod being Ready
// (the API says so) to the first connection it answers, then the time from its delete (the API
// setting its deletionTimestamp, seen on the same watch) to the start of the last connection it
// answers. p50/p99 over BENCH_NET_ROUNDS rounds (default 10).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Pod } from '../src/orchestrator/api/types.js';
import { eventually } from '../e2e/support/kubectl.js';
import type { TestControlPlane } from '../e2e/support/controlPlane.js';
import { httpdPod, httpdService } from './support/httpdPod.js';

const ROUNDS = Number(process.env.BENCH_NET_ROUNDS ?? 10);
const LOAD = resolve('bench/netload.mjs');

const pod = (name: string, node: string) => httpdPod(name, node, 'ep', true);

function quantile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function summary(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `  ${label.padEnd(52)} p50 ${quantile(s, 0.5).toFixed(0).padStart(5)} ms   p99 ${quantile(s, 0.99).toFixed(0).padStart(5)} ms   min ${(s[0] ?? NaN).toFixed(0)} ms   max ${(s.at(-1) ?? NaN).toFixed(0)} ms   (${s.length} rounds)`;
}

/** Runs the rounds on a two-host lab cluster (`lab-w1`, `lab-w2`) and prints the figures. */
export async function benchEndpointTraffic(t: TestControlPlane, netns: string): Promise<void> {
  const k = t.kubectl;
  await k.ok(['apply', '-f', '-'], { input: `${httpdService('ep', 'ep')}---\n${pod('ep-stable', 'lab-w1')}` });
  await eventually('ep-stable ready', async () => (await k.ok(['get', 'pod', 'ep-stable', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', 180_000, 500);
  const ip = await k.ok(['get', 'svc', 'ep', '-o', 'jsonpath={.spec.clusterIP}']);

  const readyAt = new Map<string, number>();
  const deletingAt = new Map<string, number>();
  const w = t.cp.client.watch<Pod>('pods', { namespace: 'default', labelSelector: 'app=ep' }, (ev) => {
    const name = ev.object.metadata.name ?? '';
    if (!readyAt.has(name) && ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyAt.set(name, Date.now());
    if (!deletingAt.has(name) && ev.object.metadata.deletionTimestamp) deletingAt.set(name, Date.now());
  });
  // Which pod answered, by the start time of each connection.
  const answers: { at: number; pod: string }[] = [];
  const prober = spawn('ip', ['netns', 'exec', netns, process.execPath, LOAD, 'watch', `http://${ip}/`], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: prober.stdout }).on('line', (l) => {
    const [at, name] = l.split(' ');
    answers.push({ at: Number(at), pod: name ?? '' });
  });
  const toTraffic: number[] = [];
  const toSilence: number[] = [];
  try {
    await eventually('the prober answered by ep-stable', () => answers.length > 0, 60_000, 100);
    for (let i = 0; i < ROUNDS; i++) {
      const name = `ep-${i}`;
      await k.ok(['apply', '-f', '-'], { input: pod(name, 'lab-w2') });
      const first = await eventually(`${name} answering through the ClusterIP`, () => answers.find((a) => a.pod === name), 180_000, 20);
      const ready = await eventually(`${name} Ready`, () => readyAt.get(name), 30_000, 20);
      toTraffic.push(Math.max(0, first.at - ready));
      await k.ok(['delete', 'pod', name, '--wait=true', '--timeout=120s'], { timeoutMs: 130_000 });
      // Not the kubectl process's start: its own start-up is no part of the path measured.
      const deletedAt = await eventually(`${name} deleting`, () => deletingAt.get(name), 30_000, 20);
      // Probe on a little past the pod's removal, so a late straggler would show.
      const until = Date.now() + 1_000;
      await eventually('a second of probing after the delete', () => Date.now() > until, 5_000, 100);
      const last = answers.filter((a) => a.pod === name).reduce((m, a) => Math.max(m, a.at), 0);
      toSilence.push(Math.max(0, last - deletedAt));
    }
  } finally {
    prober.kill();
    w.dispose();
  }
  console.log(`  through ClusterIP ${ip} from lab-w1, pods on lab-w2, one connection after another (${answers.length} answered)`);
  console.log(summary('pod Ready -> first new connection it answers', toTraffic));
  console.log(summary('pod deleted -> last new connection it answers', toSilence));
}
