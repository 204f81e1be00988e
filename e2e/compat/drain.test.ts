import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// kubectl drain against PodDisruptionBudgets: evictions go through pods/eviction, which refuses
// (429) what the budget does not allow, and kubectl keeps retrying until its timeout.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-drain');
  await c.k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 2))]);
  await eventually('two running web pods', async () => (await runningPods(c.k, 'app=web')).length === 2, 90_000);
});

afterAll(async () => {
  await c?.stop();
});

describe('PriorityClass', () => {
  it('get priorityclass lists the system classes; a pod gets its class priority', async () => {
    const out = await c.k.ok(['get', 'priorityclass']);
    expect(out).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
    expect(out).toMatch(/system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority/);
    expect(out).toMatch(/system-node-critical\s+2000001000\s+false/);
    await c.k.ok(['create', 'priorityclass', 'high', '--value=1000', '--description=test']);
    await c.k.ok(['run', 'prio', '--image=local/busybox:1', '--overrides={"spec":{"priorityClassName":"high"}}', '--', 'sleep', '3600']);
    expect(await c.k.ok(['get', 'pod', 'prio', '-o', 'jsonpath={.spec.priority}'])).toBe('1000');
    const bad = await c.k.run(['run', 'bad', '--image=local/busybox:1', '--overrides={"spec":{"priorityClassName":"nope"}}']);
    expect(bad.stderr).toContain('no PriorityClass with name nope was found');
    await c.k.ok(['delete', 'pod', 'prio', '--grace-period=0', '--force']);
  });
});

describe('kubectl drain with a PodDisruptionBudget', () => {
  it('create pdb and get pdb show the budget the controller computed', async () => {
    await c.k.ok(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']);
    const out = await eventually('the budget to be processed', async () => {
      const o = await c.k.ok(['get', 'pdb', 'web']);
      return /web\s+2\s+N\/A\s+0\s+/.test(o) && o;
    }, 30_000);
    expect(out).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
    const describe = await c.k.ok(['describe', 'pdb', 'web']);
    expect(describe).toMatch(/Min available:\s+2/);
    expect(describe).toMatch(/Allowed disruptions:\s+0/);
  });

  it('drain cordons the node but evicts nothing the budget protects', async () => {
    const before = (await runningPods(c.k, 'app=web')).sort();
    const r = await c.k.run(['drain', c.nodeName, '--ignore-daemonsets', '--timeout=12s'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(r.stdout).toContain(`node/${c.nodeName} cordoned`);
    expect((await runningPods(c.k, 'app=web')).sort()).toEqual(before);
    expect(await c.k.ok(['get', 'node', c.nodeName, '-o', 'jsonpath={.spec.unschedulable}'])).toBe('true');
  });

  it('once the budget allows it, drain evicts the pods and finishes', async () => {
    await c.k.ok(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":0}}']);
    await eventually('the budget to allow 2 disruptions', async () => (await c.k.ok(['get', 'pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '2', 30_000);
    const out = await c.k.ok(['drain', c.nodeName, '--ignore-daemonsets', '--timeout=90s'], { timeoutMs: 120_000 });
    expect(out).toMatch(/evicting pod default\/web-/);
    expect(out).toContain(`node/${c.nodeName} drained`);
    // The replacements wait: the only node is cordoned.
    expect(await runningPods(c.k, 'app=web')).toEqual([]);
    await c.k.ok(['uncordon', c.nodeName]);
    await eventually('the web pods back after uncordon', async () => (await runningPods(c.k, 'app=web')).length === 2, 90_000);
  });
});
