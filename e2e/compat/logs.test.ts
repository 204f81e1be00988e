import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// kubectl logs: -f, -c, --tail, --previous, --timestamps, deploy/NAME. Proxied by the API server
// to the agent's kubelet API on the pod's node.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-logs');
  await c.k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 1))]);
  await c.k.ok(['apply', '-f', c.file('two.yaml', `apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: restarts
    image: local/busybox:1
    command: ["sh", "-c", "echo instance $RANDOM$RANDOM; sleep 2; exit 1"]
  - name: steady
    image: local/busybox:1
    command: ["sh", "-c", "echo one; echo two; echo three; trap 'exit 0' TERM; while true; do sleep 1; done"]
`)]);
  await eventually('a running web pod', async () => (await runningPods(c.k, 'app=web')).length === 1, 90_000);
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl logs', () => {
  it('logs POD and logs deploy/NAME print the container output', async () => {
    const [pod] = await runningPods(c.k, 'app=web');
    const out = await eventually('a few ticks', async () => {
      const o = await c.k.ok(['logs', pod as string]);
      return o.includes('tick 2') && o;
    }, 20_000);
    expect(out.startsWith(`started ${pod}\ntick 1\n`)).toBe(true);
    const viaDeploy = await c.k.run(['logs', 'deploy/web']);
    expect(viaDeploy.code).toBe(0);
    expect(viaDeploy.stdout).toContain(`started ${pod}`);
  });

  it('--tail=N prints the last N lines, --timestamps prefixes RFC3339 times', async () => {
    const [pod] = await runningPods(c.k, 'app=web');
    const tail = await c.k.ok(['logs', pod as string, '--tail=2']);
    expect(tail.trim().split('\n')).toHaveLength(2);
    expect(tail).toMatch(/^tick \d+\ntick \d+\n$/);
    const ts = await c.k.ok(['logs', pod as string, '--tail=1', '--timestamps']);
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+\n$/);
  });

  it('--since-time=T prints the lines from that second on (sinceTime)', async () => {
    const [pod] = await runningPods(c.k, 'app=web');
    await eventually('a few ticks', async () => (await c.k.ok(['logs', pod as string])).includes('tick 3'), 20_000);
    const stamped = (await c.k.ok(['logs', pod as string, '--timestamps'])).trim().split('\n');
    const pick = stamped[2] as string;
    const second = `${pick.slice(0, 19)}Z`;
    const since = await c.k.ok(['logs', pod as string, `--since-time=${second}`, '--timestamps']);
    const lines = since.trim().split('\n');
    expect(lines).toContain(pick);
    // Nothing from before that second.
    for (const l of lines) expect(l.slice(0, 19) >= second.slice(0, 19)).toBe(true);
    expect(lines.length).toBeLessThan(stamped.length + 5);
    const bad = await c.k.run(['logs', pod as string, '--since-time=soon']);
    expect(bad.code).not.toBe(0);
  });

  it('-f follows new lines until interrupted', async () => {
    const [pod] = await runningPods(c.k, 'app=web');
    const f = c.k.stream(['logs', '-f', '--tail=1', pod as string]);
    const first = await eventually('the first line', () => /tick (\d+)/.exec(f.output()) ?? undefined, 20_000);
    const n = Number(first[1]);
    await eventually('two more lines', () => f.output().includes(`tick ${n + 2}\n`), 20_000);
    f.stop();
    expect(await f.exited).not.toBe(0);
  });

  it('-c picks a container; without it a multi-container pod uses the first and says so', async () => {
    await c.phase('two');
    expect(await eventually('the steady container output', async () => (await c.k.ok(['logs', 'two', '-c', 'steady'])) === 'one\ntwo\nthree\n', 20_000)).toBe(true);
    const r = await c.k.run(['logs', 'two']);
    expect(r.stderr).toContain('Defaulted container "restarts" out of: restarts, steady');
    const bad = await c.k.run(['logs', 'two', '-c', 'nope']);
    expect(bad.code).toBe(1);
    // kubectl checks the name against the pod it fetched before asking the server.
    expect(bad.stderr).toContain('error: container nope is not valid for pod two');
  });

  it('--previous prints the output of the container before its last restart', async () => {
    const restarts = async () => Number(await c.k.ok(['get', 'pod', 'two', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="restarts")].restartCount}']));
    await eventually('a restart', async () => (await restarts()) >= 1, 60_000);
    expect(await c.k.ok(['logs', 'two', '-c', 'restarts', '--previous'])).toMatch(/^instance \d+\n$/);
    // Each instance prints its own random number: current and previous differ. Compared inside a
    // window with no restart (the container restarts every few seconds).
    await eventually('current and previous read between two restarts', async () => {
      const before = await restarts();
      const current = await c.k.ok(['logs', 'two', '-c', 'restarts']);
      const previous = await c.k.ok(['logs', 'two', '-c', 'restarts', '--previous']);
      if ((await restarts()) !== before || !/^instance \d+\n$/.test(current)) return false;
      expect(previous).toMatch(/^instance \d+\n$/);
      expect(previous).not.toBe(current);
      return true;
    }, 60_000);
    const none = await c.k.run(['logs', 'two', '-c', 'steady', '--previous']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('previous terminated container "steady" in pod "two" not found');
  });
});
