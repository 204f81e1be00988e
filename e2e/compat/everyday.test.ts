import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// The rest of the everyday commands: run, logs across a selector, diff, explain, cp, get events (top: metrics.test.ts).
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-everyday');
  await c.k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 2))]);
  await eventually('2 running web pods', async () => (await runningPods(c.k, 'app=web')).length === 2, 90_000);
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl, everyday', () => {
  it('run starts a pod from an image, with a command, and its output is in logs', async () => {
    const out = await c.k.ok(['run', 'hello', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--restart=Never', '--labels=app=hello', '--', 'sh', '-c', 'echo hello from run']);
    expect(out.trim()).toBe('pod/hello created');
    await c.phase('hello', 'Succeeded');
    expect((await c.k.ok(['logs', 'hello'])).trim()).toBe('hello from run');
    const pod = JSON.parse(await c.k.ok(['get', 'pod', 'hello', '-o', 'json'])) as { metadata: { labels: Record<string, string> }; spec: { restartPolicy: string; containers: { name: string; args?: string[] }[] } };
    expect(pod.metadata.labels).toEqual({ app: 'hello' });
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.containers[0]).toMatchObject({ name: 'hello', args: ['sh', '-c', 'echo hello from run'] });
  });

  it('run --rm -i --restart=Never attaches, prints the output and deletes the pod', async () => {
    const r = await c.k.run(['run', 'once', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--restart=Never', '--rm', '-i', '--', 'sh', '-c', 'read x; echo got $x'], { input: 'ping\n', timeoutMs: 90_000 });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.stdout).toContain('got ping');
    expect(r.stdout).toContain('pod "once" deleted');
    expect(r.code).toBe(0);
    await eventually('the pod gone', async () => (await c.k.run(['get', 'pod', 'once'])).code !== 0, 30_000);
  });

  it('logs -l reads every matching pod, with --prefix naming each', async () => {
    const out = await c.k.ok(['logs', '-l', 'app=web', '--prefix', '--tail=1']);
    const pods = await runningPods(c.k, 'app=web');
    for (const p of pods) expect(out).toMatch(new RegExp(`^\\[pod/${p}/main\\] tick \\d+$`, 'm'));
    expect(out.trim().split('\n')).toHaveLength(2);
  });

  it('diff prints nothing and exits 0 for what is live, a unified diff and exit 1 for a change', async () => {
    const same = await c.k.run(['diff', '-f', c.file('web.yaml', tickDeployment('web', 2))]);
    expect([same.code, same.stdout, same.stderr]).toEqual([0, '', '']);
    const changed = await c.k.run(['diff', '-f', c.file('web3.yaml', tickDeployment('web', 3))]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(changed.stdout).toMatch(/^\+\s+replicas: 3$/m);
    // diff is a dry run: nothing changed.
    expect(await c.k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
  });

  it('explain describes kinds and fields from the OpenAPI schema', async () => {
    const pod = await c.k.ok(['explain', 'pods']);
    expect(pod).toMatch(/^KIND:\s+Pod$/m);
    expect(pod).toMatch(/^VERSION:\s+v1$/m);
    expect(pod).toMatch(/^\s+spec\s+<PodSpec>$/m);
    const field = await c.k.ok(['explain', 'deployment.spec.replicas']);
    expect(field).toMatch(/^GROUP:\s+apps$/m);
    expect(field).toMatch(/^FIELD:\s+replicas <integer>$/m);
    expect(field).toMatch(/desired pods/i);
  });

  it('cp copies a file into a pod and back out', async () => {
    const [pod] = await runningPods(c.k, 'app=web');
    const src = c.file('cp/in.txt', 'copied through tar\n');
    await c.k.ok(['cp', src, `${pod}:/tmp/in.txt`]);
    expect(await c.k.ok(['exec', pod!, '--', 'cat', '/tmp/in.txt'])).toBe('copied through tar\n');
    const back = c.file('cp/placeholder', '').replace(/placeholder$/, 'out.txt');
    await c.k.ok(['cp', `${pod}:/tmp/in.txt`, back]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(back, 'utf8')).toBe('copied through tar\n');
  });

  it('get events lists what the controllers and the agent recorded', async () => {
    const out = await c.k.ok(['get', 'events', '--sort-by=.metadata.creationTimestamp']);
    expect(out).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    expect(out).toMatch(/Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-[a-z0-9]+ (to|from 0 to) 2/);
    expect(out).toMatch(/Normal\s+Scheduled\s+pod\/web-[a-z0-9]+-[a-z0-9]+\s+Successfully assigned default\/web-/);
    expect(out).toMatch(/Normal\s+Started\s+pod\/web-[a-z0-9]+-[a-z0-9]+\s+Started container main/);
  });
});
