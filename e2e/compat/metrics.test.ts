import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// kubectl top nodes|pods against metrics.k8s.io/v1beta1, served from the agents' cgroup counters
// (no metrics-server). A pod that burns a CPU must show far more CPU than one that sleeps.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-metrics', { metricsResolutionMs: 2_000 });
  await c.k.ok(['apply', '-f', c.file('pods.yaml', `apiVersion: v1
kind: Pod
metadata: {name: burner, labels: {role: burn}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: spin
    image: local/busybox:1
    command: ["sh", "-c", "while :; do :; done"]
  - name: idle
    image: local/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: sleeper, labels: {role: sleep}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: local/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`)]);
  await c.phase('burner');
  await c.phase('sleeper');
});

afterAll(async () => {
  await c?.stop();
});

/** `250m` -> 250, `1` -> 1000 (kubectl top prints millicores). */
function milli(s: string): number {
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000;
}

describe('kubectl top', () => {
  it('top nodes prints the node with CPU and memory use and their share of allocatable', async () => {
    const out = await eventually('node metrics', async () => {
      const r = await c.k.run(['top', 'nodes']);
      return r.code === 0 && r.stdout.includes(c.nodeName) && r.stdout;
    }, 60_000, 1_000);
    const line = out.split('\n').find((l) => l.startsWith(c.nodeName)) as string;
    // NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)
    const [, cpu, cpuPct, mem, memPct] = line.trim().split(/\s+/);
    expect(milli(cpu as string)).toBeGreaterThan(0);
    expect(cpuPct).toMatch(/^\d+%$/);
    expect(mem).toMatch(/^\d+Mi$/);
    expect(memPct).toMatch(/^\d+%$/);
  });

  it('top pods shows the CPU burner far above the sleeper; --containers splits it; -l selects', async () => {
    const out = await eventually('pod metrics for both pods', async () => {
      const r = await c.k.run(['top', 'pods']);
      return r.code === 0 && r.stdout.includes('burner') && r.stdout.includes('sleeper') && r.stdout;
    }, 60_000, 1_000);
    const row = (name: string) => (out.split('\n').find((l) => l.startsWith(name + ' ')) as string).trim().split(/\s+/);
    await eventually('the burner to use at least 200m', async () => {
      const r = await c.k.run(['top', 'pod', 'burner', '--no-headers']);
      return r.code === 0 && milli(r.stdout.trim().split(/\s+/)[1] as string) >= 200;
    }, 60_000, 1_000);
    expect(milli(row('sleeper')[1] as string)).toBeLessThan(50);
    expect(row('sleeper')[2]).toMatch(/^\d+Mi$/);

    const containers = await c.k.ok(['top', 'pod', 'burner', '--containers', '--no-headers']);
    const byName = new Map(containers.trim().split('\n').map((l) => { const f = l.trim().split(/\s+/); return [f[1], milli(f[2] as string)]; }));
    expect([...byName.keys()].sort()).toEqual(['idle', 'spin']);
    expect(byName.get('spin')).toBeGreaterThan(byName.get('idle') as number);

    const selected = await c.k.ok(['top', 'pods', '-l', 'role=sleep', '--no-headers']);
    expect(selected.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['sleeper']);
  });

  it('get podmetrics / nodemetrics print tables; a pod without metrics is NotFound', async () => {
    await eventually('pod metrics', async () => (await c.k.run(['top', 'pod', 'sleeper'])).code === 0, 60_000, 1_000);
    const t = await c.k.ok(['get', 'podmetrics.metrics.k8s.io', 'sleeper']);
    expect(t).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\n/);
    expect(t).toContain('sleeper');
    const n = await c.k.ok(['get', 'nodemetrics.metrics.k8s.io']);
    expect(n).toContain(c.nodeName);
    const missing = await c.k.run(['top', 'pod', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/);
  });
});
