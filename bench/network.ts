// Service proxy figures on two lab hosts (needs root: the lab), printed by `npm run bench`:
// requests/s and p99 through a ClusterIP beside the same traffic straight to the pod IP, with the
// server on the same host as the client and on the other host; then endpointTraffic.ts's rounds:
// a new pod Ready -> the first connection through the ClusterIP it answers, and a pod deleted ->
// the last new connection it answers (p50/p99).
// The client runs in lab host w1's network namespace (the node itself), one new connection per request.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createLab } from '../e2e/lab/lab.js';
import { eventually } from '../e2e/support/kubectl.js';
import { startLabCluster } from '../e2e/support/labCluster.js';
import { benchEndpointTraffic } from './endpointTraffic.js';
import { httpdPod, httpdService } from './support/httpdPod.js';

const SECONDS = Number(process.env.BENCH_NET_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_NET_CONCURRENCY ?? 8);
const LOAD = resolve('bench/netload.mjs');

interface Load {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

function inW1(args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const c = spawn('ip', ['netns', 'exec', 'w1', process.execPath, LOAD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => (code === 0 ? ok(out.trim()) : fail(new Error(`netload exited ${code}: ${err}`))));
  });
}

const server = (name: string, node: string) => `${httpdPod(name, node, name)}---\n${httpdService(name, name)}`;

export async function benchNetwork(): Promise<void> {
  console.log('\nService proxy on two lab hosts (client in lab-w1\'s namespace, busybox httpd servers)');
  if (process.getuid?.() !== 0) {
    console.log('  SKIPPED: the lab needs root (network namespaces, dockerd, sshd); run npm run bench as root');
    return;
  }
  const lab = await createLab({ hosts: 2 });
  try {
    const t = await startLabCluster(lab);
    try {
      const k = t.kubectl;
      await k.ok(['apply', '-f', '-'], { input: `${server('near', 'lab-w1')}---\n${server('far', 'lab-w2')}` });
      await eventually('both servers ready', async () => (await k.ok(['get', 'pods', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'])) === 'True True', 180_000, 500);
      const get = (args: string[]) => k.ok(['get', ...args]);
      const targets: [string, string][] = [];
      for (const name of ['near', 'far']) {
        targets.push([`${name === 'near' ? 'same host' : 'across hosts'}: pod IP`, `http://${await get(['pod', name, '-o', 'jsonpath={.status.podIP}'])}:8080/`]);
        targets.push([`${name === 'near' ? 'same host' : 'across hosts'}: ClusterIP`, `http://${await get(['svc', name, '-o', 'jsonpath={.spec.clusterIP}'])}/`]);
      }
      const results = new Map<string, Load>();
      for (const [label, url] of targets) {
        await inW1(['load', url, '1', '2']); // warm up (ARP, conntrack, the server's first fork)
        results.set(label, JSON.parse(await inW1(['load', url, String(SECONDS), String(CONCURRENCY)])) as Load);
      }
      console.log(`  ${SECONDS} s each, ${CONCURRENCY} concurrent clients, a new connection per request`);
      for (const [label] of targets) {
        const r = results.get(label) as Load;
        const base = results.get(label.replace('ClusterIP', 'pod IP')) as Load;
        const rps = r.requests / r.seconds;
        const ratio = label.endsWith('ClusterIP') ? `   (ClusterIP / pod IP: req/s x${(rps / (base.requests / base.seconds)).toFixed(2)}, p99 x${(r.p99 / base.p99).toFixed(2)})` : '';
        console.log(`  ${label.padEnd(26)} ${rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   errors ${r.errors}${ratio}`);
      }

      console.log('\nEndpoint ready -> traffic, and endpoint gone -> no traffic');
      await benchEndpointTraffic(t, 'w1');
    } finally {
      await t.stop();
    }
  } finally {
    await lab.dispose();
  }
}
