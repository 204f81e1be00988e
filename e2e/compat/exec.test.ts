import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startStreamingCluster, WEB_POD, type StreamingCluster } from './streaming.fixture.js';

// The real kubectl's exec and attach against a live Skiff: WebSocket v5.channel.k8s.io through the
// API server to the node agent, which runs `docker exec` on the local engine.
let c: StreamingCluster;
const kn = (...args: string[]) => ['-n', c.ns, ...args];

beforeAll(async () => {
  c = await startStreamingCluster('compat-exec');
  await c.apply(WEB_POD('shell'));
  await c.apply(`apiVersion: v1
kind: Pod
metadata:
  name: duo
  annotations: {kubectl.kubernetes.io/default-container: second}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: first, image: local/busybox:1, command: ["sleep", "3600"], env: [{name: WHO, value: first}]}
  - {name: second, image: local/busybox:1, command: ["sleep", "3600"], env: [{name: WHO, value: second}]}
---
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  restartPolicy: Never
  containers: [{name: c, image: local/busybox:1, command: ["true"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  containers: [{name: c, image: "local/absent:1", imagePullPolicy: Never}]
---
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: t, image: local/busybox:1, command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done"]}
`);
  await Promise.all([c.phase('shell'), c.phase('duo'), c.phase('ticker'), c.phase('done', 'Succeeded')]);
});

afterAll(async () => {
  await c?.stop();
});

/** Single-quotes a word for `sh` (the words here are our own paths and fixed arguments). */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs kubectl under a pseudo-terminal (util-linux `script`) sized 123x45, types `keys` once the
 * shell prompt shows, and resolves with kubectl's exit code and everything the terminal showed.
 */
function inTerminal(args: string[], keys: string): Promise<{ code: number; output: string }> {
  const k = c.k;
  const cmd = `stty cols 123 rows 45; exec ${[k.bin, '--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, ...args].map(q).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm', KUBECACHEDIR: k.cacheDir } });
    let output = '';
    let typed = false;
    const onData = (d: Buffer) => {
      output += d.toString();
      if (!typed && /# $|# \S*$/m.test(output)) {
        typed = true;
        child.stdin.write(keys);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

describe('kubectl exec', () => {
  it('prints stdout and stderr and exits with the command’s exit code', async () => {
    const r = await c.k.run(kn('exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'));
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 7');
    expect(r.code).toBe(7);
    expect(await c.k.run(kn('exec', 'shell', '--', 'true'))).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('-i pipes stdin to the command and closes it at EOF', async () => {
    const input = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n') + '\n';
    const r = await c.k.run(kn('exec', '-i', 'shell', '--', 'cat'), { input });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(input.length);
    expect(r.stdout).toBe(input);
    const wc = await c.k.run(kn('exec', '-i', 'shell', '--', 'wc', '-l'), { input: 'a\nb\nc\n' });
    expect(wc.stdout.trim()).toBe('3');
  });

  it('-it runs an interactive shell in a terminal of the client’s size and passes its exit code', async () => {
    const r = await inTerminal(kn('exec', '-it', 'shell', '--', 'sh'), 'stty size; echo hi; exit 3\r');
    expect(r.output).toContain('45 123');
    expect(r.output).toMatch(/\bhi\r?\n/);
    expect(r.code).toBe(3);
  });

  it('-c picks a container; without it the default-container annotation decides', async () => {
    expect((await c.k.ok(kn('exec', 'duo', '-c', 'first', '--', 'sh', '-c', 'echo $WHO'))).trim()).toBe('first');
    expect((await c.k.ok(kn('exec', 'duo', '--', 'sh', '-c', 'echo $WHO'))).trim()).toBe('second');
    const bad = await c.k.run(kn('exec', 'duo', '-c', 'nope', '--', 'true'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('container nope is not valid for pod duo');
  });

  it('refuses a completed pod and a missing one as kubectl does', async () => {
    const done = await c.k.run(kn('exec', 'done', '--', 'true'));
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('cannot exec into a container in a completed pod; current phase is Succeeded');
    const missing = await c.k.run(kn('exec', 'ghost', '--', 'true'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pods "ghost" not found');
  });

  it('says why when the container is not running', async () => {
    await eventually('the container to wait on its image', async () => (await c.k.ok(kn('get', 'pod', 'stuck', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'))) === 'ErrImageNeverPull', 60_000);
    const r = await c.k.run(kn('exec', 'stuck', '--', 'true'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (BadRequest): container "c" in pod "stuck" is not running (ErrImageNeverPull)');
  });
});

describe('kubectl attach', () => {
  it('streams the main process output until interrupted', async () => {
    const a = c.k.stream(kn('attach', 'ticker'));
    const first = await eventually('attached output', () => a.output().match(/tick (\d+)/)?.[1], 20_000);
    await eventually('later ticks', () => [...a.output().matchAll(/tick (\d+)/g)].some((m) => Number(m[1]) >= Number(first) + 3), 20_000);
    a.stop();
    await a.exited;
  });
});
