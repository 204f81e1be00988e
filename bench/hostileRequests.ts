// `npm run bench` (or `node --import tsx bench/hostileRequests.ts` alone): what single hostile or
// oversized requests cost the API server. The control plane runs in this process; a child process
// sends each request over HTTPS (so this process does only the server's work), one at a time, three
// times each. Per request: the server's CPU time (every thread's: body-decoder workers included), the longest the event loop was held (the
// request's longest synchronous stretch, plus whatever else ran), and the wall time. On a shared,
// loaded machine the loop figure includes time the process waited for a core; CPU time does not.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startTestControlPlane } from '../e2e/support/controlPlane.js';
import { envelope, encode } from '../e2e/integration/fuzz/protobuf.js';

interface Case {
  name: string;
  method: string;
  path: string;
  type?: string;
  body?: Buffer;
  /** Sent once (it changes what the others read: a delete). */
  once?: true;
}

const EVENTS = 20_000;

const CM = '/api/v1/namespaces/bench/configmaps';
const j = (v: unknown) => Buffer.from(JSON.stringify(v));
const cm = (data: unknown, name = 'big') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const keys = (n: number, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));

function cases(): Case[] {
  const nested = (d: number) => Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'['.repeat(d)}"x"${']'.repeat(d)}}`);
  const flatYaml = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: yaml', 'data:', ...Array.from({ length: 30_000 }, (_, i) => `  k${i}: value-${i}`)].join('\n');
  const laughs = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: lol}', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 0; i < 9; i++) laughs.push(`${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`);
  const selector = Array.from({ length: 1400 }, (_, i) => `k${i}!=v`).join(',');
  const fields = Array.from({ length: 700 }, () => 'metadata.name!=x').join(',');
  const meta: [number, [number, string][]] = [1, [[1, 'sa']]];
  return [
    { name: 'GET /healthz', method: 'GET', path: '/healthz' },
    { name: 'create a small ConfigMap', method: 'POST', path: `${CM}?dryRun=All`, type: 'application/json', body: j(cm({ a: 'b' }, 'small')) },
    { name: 'ConfigMap of one 3 MiB value (422)', method: 'POST', path: CM, type: 'application/json', body: j(cm({ a: 'x'.repeat(3 * 1024 * 1024 - 200) })) },
    { name: 'ConfigMap of 40,000 keys, 0.9 MB (dry run)', method: 'POST', path: `${CM}?dryRun=All`, type: 'application/json', body: j(cm(keys(40_000, 'v'.repeat(12)))) },
    { name: 'JSON nested 400,000 levels (400)', method: 'POST', path: CM, type: 'application/json', body: nested(400_000) },
    { name: 'JSON nested 1,000 levels (the limit)', method: 'POST', path: CM, type: 'application/json', body: nested(999) },
    { name: 'YAML of 30,000 keys, 0.6 MB (worker)', method: 'POST', path: `${CM}?dryRun=All`, type: 'application/yaml', body: Buffer.from(flatYaml) },
    { name: 'YAML billion laughs (400)', method: 'POST', path: CM, type: 'application/yaml', body: Buffer.from(laughs.join('\n')) },
    { name: 'protobuf varint of 400 KB (400)', method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', type: 'application/vnd.kubernetes.protobuf', body: envelope('authentication.k8s.io/v1', 'SelfSubjectReview', encode([meta, [2, [[4, new Uint8Array(400_000).fill(0x80)]]]])) },
    { name: 'protobuf 3 MB of packed varints (400)', method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', type: 'application/vnd.kubernetes.protobuf', body: envelope('authentication.k8s.io/v1', 'TokenRequest', encode([meta, [2, [[4, new Uint8Array(3_000_000).fill(1)]]]])) },
    { name: 'protobuf ConfigMap of 50,000 entries (dry run)', method: 'POST', path: `${CM}?dryRun=All`, type: 'application/vnd.kubernetes.protobuf', body: envelope('v1', 'ConfigMap', encode([[1, [[1, 'pb']]], ...Array.from({ length: 50_000 }, (_, i): [number, [number, string][]] => [2, [[1, `k${i}`], [2, 'v']]])])) },
    { name: 'list 200 ConfigMaps, label selector of 1,400 terms', method: 'GET', path: `${CM}?labelSelector=${encodeURIComponent(selector)}` },
    { name: 'list 200 ConfigMaps, field selector of 700 terms', method: 'GET', path: `${CM}?fieldSelector=${encodeURIComponent(fields)}` },
    { name: 'JSON patch of 10,000 test operations', method: 'PATCH', path: `${CM}/target?dryRun=All`, type: 'application/json-patch+json', body: j(Array.from({ length: 10_000 }, () => ({ op: 'test', path: '/data/k1', value: 'v' }))) },
    { name: 'JSON patch doubling the object 30 times (413)', method: 'PATCH', path: `${CM}/target`, type: 'application/json-patch+json', body: j([{ op: 'add', path: '/metadata/annotations', value: {} }, ...Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/data', path: `/metadata/annotations/c${i}` }))]) },
    { name: 'strategic patch reordering 2,000 env entries', method: 'PATCH', path: '/apis/apps/v1/namespaces/bench/deployments/wide?dryRun=All', type: 'application/strategic-merge-patch+json', body: j({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ name: 'c', '$setElementOrder/env': Array.from({ length: 2000 }, (_, i) => ({ name: `E${1999 - i}` })), env: [{ name: 'E0', value: 'x' }] }] } } } }) },
    { name: 'server-side apply of 10,000 keys (dry run)', method: 'PATCH', path: `${CM}/applied?fieldManager=bench&dryRun=All`, type: 'application/apply-patch+yaml', body: j(cm(keys(10_000), 'applied')) },
    { name: `list ${EVENTS.toLocaleString('en')} Events (not cached: from the store)`, method: 'GET', path: '/api/v1/namespaces/noisy/events' },
    { name: `DELETE the collection of ${EVENTS.toLocaleString('en')} Events (once)`, method: 'DELETE', path: '/api/v1/namespaces/noisy/events', once: true },
    { name: 'name of 100,000 characters (422)', method: 'POST', path: CM, type: 'application/json', body: j(cm({ a: 'b' }, 'n'.repeat(100_000))) },
  ];
}

/** The client: reads the cases, sends case i when told `i` on stdin, answers `i status ms`. */
const CLIENT = `
const https = require('node:https'); const fs = require('node:fs'); const readline = require('node:readline');
const [port, token, file] = process.argv.slice(1);
const cases = JSON.parse(fs.readFileSync(file, 'utf8'));
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = cases[Number(line)]; const body = c.body ? Buffer.from(c.body, 'base64') : undefined; const t0 = performance.now();
  const req = https.request({ host: '127.0.0.1', port, method: c.method, path: c.path, agent, rejectUnauthorized: false, headers: { Authorization: 'Bearer ' + token, ...(c.type ? { 'Content-Type': c.type } : {}), ...(body ? { 'Content-Length': body.length } : {}) } }, (res) => {
    res.resume(); res.on('end', () => console.log(line + ' ' + res.statusCode + ' ' + (performance.now() - t0).toFixed(1)));
  });
  req.on('error', (e) => console.log(line + ' 0 ' + (performance.now() - t0).toFixed(1) + ' ' + e.message));
  req.end(body);
});
`;

export async function benchHostileRequests(): Promise<void> {
  const t = await startTestControlPlane({});
  try {
    const token = readFileSync(join(t.home, 'admin.token'), 'utf8').trim();
    await t.cp.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    for (let i = 0; i < 200; i++) await t.cp.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'bench', labels: { app: 'x' } }, data: { a: 'b' } });
    await t.cp.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target', namespace: 'bench' }, data: keys(2000, 'v'.repeat(500)) });
    const env = Array.from({ length: 2000 }, (_, i) => ({ name: `E${i}`, value: 'v' }));
    await t.cp.client.create('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'wide', namespace: 'bench' }, spec: { replicas: 0, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', env }] } } } });
    // Events are not cached (as kube-apiserver's default): their lists and collection deletes read the store.
    await t.cp.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'noisy' } });
    let made = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (made < EVENTS) {
        const i = made++;
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        await t.cp.client.create('events', { apiVersion: 'v1', kind: 'Event', metadata: { name: `e-${i}`, namespace: 'noisy' }, involvedObject: { kind: 'Pod', namespace: 'noisy', name: `p-${i}` }, reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient cpu.', type: 'Warning', source: { component: 'default-scheduler' }, firstTimestamp: now, lastTimestamp: now, count: 1 });
      }
    }));
    // HOSTILE_ONLY=<regex> runs only the cases whose name matches (for profiling one of them).
    const only = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY, 'i') : undefined;
    const list = cases().filter((c) => !only || only.test(c.name));
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(list.map((c) => ({ ...c, body: c.body?.toString('base64') }))));
    const child = spawn(process.execPath, ['-e', CLIENT, String(t.cp.apiPort), token, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    const answers: ((l: string) => void)[] = [];
    lines.on('line', (l) => answers.shift()?.(l));
    const ask = (i: number) => new Promise<string>((res) => {
      answers.push(res);
      child.stdin.write(`${i}\n`);
    });
    console.log('\nhostile and oversized requests, one at a time (median of 3): server CPU, longest event-loop stall, wall');
    for (const [i, c] of list.entries()) {
      const runs: { cpu: number; loop: number; wall: number; status: string }[] = [];
      for (let k = 0; k < (c.once ? 1 : 3); k++) {
        await new Promise((r) => setTimeout(r, 50));
        const h = monitorEventLoopDelay({ resolution: 1 });
        h.enable();
        const cpu0 = process.cpuUsage();
        const [, status = '?', wall = '0'] = (await ask(i)).split(' ');
        const cpu = process.cpuUsage(cpu0);
        h.disable();
        runs.push({ cpu: (cpu.user + cpu.system) / 1000, loop: h.max / 1e6, wall: Number(wall), status });
      }
      const med = (f: (x: (typeof runs)[number]) => number) => [...runs.map(f)].sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
      const size = c.body ? `${(c.body.length / 1024).toFixed(0)} KiB` : '';
      console.log(`  ${c.name.padEnd(52)} ${String(runs[0]?.status).padStart(3)} ${size.padStart(9)}  cpu ${med((x) => x.cpu).toFixed(0).padStart(5)} ms  loop ${med((x) => x.loop).toFixed(0).padStart(5)} ms  wall ${med((x) => x.wall).toFixed(0).padStart(5)} ms`);
    }
    child.stdin.end();
    child.kill();
  } finally {
    await t.stop();
  }
}

if (process.argv[1]?.endsWith('hostileRequests.ts')) {
  benchHostileRequests().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
