import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// scale and rollout on Deployments, with revision history in ReplicaSet annotations.
let c: CompatCluster;
const V2 = `local/busybox:compat-rollout-${process.pid}`;

beforeAll(async () => {
  c = await startCompatCluster('compat-rollout');
  execFileSync('docker', ['tag', 'local/busybox:1', V2]);
  await c.k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 2))]);
  await c.k.ok(['rollout', 'status', 'deploy/web', '--timeout=90s'], { timeoutMs: 100_000 });
});

afterAll(async () => {
  await c?.stop();
  execFileSync('docker', ['rmi', V2]);
});

const image = () => c.k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);

describe('kubectl scale', () => {
  it('scales through the scale subresource', async () => {
    expect(await c.k.ok(['scale', 'deploy/web', '--replicas=3'])).toBe('deployment.apps/web scaled\n');
    await eventually('3 running pods', async () => (await runningPods(c.k, 'app=web')).length === 3, 60_000);
    const scale = JSON.parse(await c.k.ok(['get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale'])) as { kind: string; apiVersion: string; spec: { replicas: number }; status: { selector: string } };
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { selector: 'app=web' } });
  });

  it('--current-replicas is a precondition (GET then PUT /scale)', async () => {
    const stale = await c.k.run(['scale', 'deploy/web', '--current-replicas=5', '--replicas=1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('error: Expected replicas to be 5, was 3');
    expect(await c.k.ok(['scale', 'deploy/web', '--current-replicas=3', '--replicas=2'])).toBe('deployment.apps/web scaled\n');
  });

  it('a PUT of /scale with a stale resourceVersion is a 409 Conflict', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/web/scale';
    const got = JSON.parse((await c.api('GET', path)).body) as { metadata: { resourceVersion: string } };
    await c.k.ok(['annotate', 'deploy', 'web', 'touched=yes']);
    const r = await c.api('PUT', path, JSON.stringify({ ...got, spec: { replicas: 4 } }));
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Conflict', message: 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again' });
    expect(await c.k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
  });
});

describe('kubectl rollout', () => {
  it('status waits for a rollout to finish', async () => {
    await c.k.ok(['set', 'image', 'deploy/web', `main=${V2}`]);
    const out = await c.k.ok(['rollout', 'status', 'deploy/web', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(out).toContain('deployment "web" successfully rolled out');
    expect(out).toMatch(/Waiting for deployment "web" rollout to finish/);
  });

  it('history lists the revisions kept in ReplicaSet annotations', async () => {
    await c.k.ok(['annotate', 'deploy', 'web', 'kubernetes.io/change-cause=image v2', '--overwrite']);
    const out = await c.k.ok(['rollout', 'history', 'deploy/web']);
    expect(out).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    expect(out).toMatch(/^1\s+<none>$/m);
    expect(out).toMatch(/^2\s+image v2$/m);
    const rev1 = await c.k.ok(['rollout', 'history', 'deploy/web', '--revision=1']);
    expect(rev1).toContain('deployment.apps/web with revision #1');
    expect(rev1).toMatch(/Image:\s+local\/busybox:1/);
    const annotations = await c.k.ok(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}{" "}{end}']);
    expect(annotations.trim().split(' ').sort()).toEqual(['1', '2']);
  });

  it('undo rolls back to the previous revision (and --to-revision)', async () => {
    expect(await c.k.ok(['rollout', 'undo', 'deploy/web'])).toBe('deployment.apps/web rolled back\n');
    await c.k.ok(['rollout', 'status', 'deploy/web', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(await image()).toBe('local/busybox:1');
    expect(await c.k.ok(['rollout', 'history', 'deploy/web'])).toMatch(/^2\s+image v2\n3\s+<none>\n/m);
    expect(await c.k.ok(['rollout', 'undo', 'deploy/web', '--to-revision=2'])).toBe('deployment.apps/web rolled back\n');
    await c.k.ok(['rollout', 'status', 'deploy/web', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(await image()).toBe(V2);
    const bad = await c.k.run(['rollout', 'undo', 'deploy/web', '--to-revision=42']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unable to find specified revision 42 in history');
  });

  it('pause stops rollouts, resume continues them', async () => {
    expect(await c.k.ok(['rollout', 'pause', 'deploy/web'])).toBe('deployment.apps/web paused\n');
    expect(await c.k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.paused}'])).toBe('true');
    const rsBefore = await c.k.ok(['get', 'rs', '-l', 'app=web', '-o', 'name']);
    await c.k.ok(['set', 'image', 'deploy/web', 'main=local/busybox:1']);
    // Paused: no new ReplicaSet appears while the template differs.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await c.k.ok(['get', 'rs', '-l', 'app=web', '-o', 'name'])).toBe(rsBefore);
    const undo = await c.k.run(['rollout', 'undo', 'deploy/web']);
    expect(undo.stderr).toContain('you cannot rollback a paused deployment; resume it first with \'kubectl rollout resume\' and try again');
    expect(await c.k.ok(['rollout', 'resume', 'deploy/web'])).toBe('deployment.apps/web resumed\n');
    await c.k.ok(['rollout', 'status', 'deploy/web', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(await image()).toBe('local/busybox:1');
  });

  it('restart replaces every pod through a template annotation', async () => {
    const before = (await runningPods(c.k, 'app=web')).sort();
    expect(await c.k.ok(['rollout', 'restart', 'deploy/web'])).toBe('deployment.apps/web restarted\n');
    expect(await c.k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}'])).toMatch(/^\d{4}-\d\d-\d\dT/);
    await c.k.ok(['rollout', 'status', 'deploy/web', '--timeout=90s'], { timeoutMs: 100_000 });
    await eventually('all pods replaced', async () => {
      const now = await runningPods(c.k, 'app=web');
      return now.length === 2 && now.every((p) => !before.includes(p));
    }, 60_000);
  });
});
