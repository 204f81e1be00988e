import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// delete (cascade policies, finalizers, --wait, --grace-period), wait, garbage collection and
// namespace deletion, with real containers.
let c: CompatCluster;

const pod = (name: string, grace: number, ns = 'default', trap = true) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}}
spec:
  terminationGracePeriodSeconds: ${grace}
  containers:
  - name: main
    image: local/busybox:1
    command: ["sh", "-c", "${trap ? "trap 'exit 0' TERM; " : ''}while true; do sleep 1; done"]
`;

const names = async (what: string, selector: string) => (await c.k.ok(['get', what, '-l', selector, '-o', 'name'])).trim().split('\n').filter(Boolean);

beforeAll(async () => {
  c = await startCompatCluster('compat-delete');
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl wait', () => {
  it('--for=condition=Ready waits for a pod to be ready', async () => {
    await c.k.ok(['apply', '-f', c.file('w.yaml', pod('waiter', 1))]);
    expect(await c.k.ok(['wait', '--for=condition=Ready', 'pod/waiter', '--timeout=60s'], { timeoutMs: 70_000 })).toBe('pod/waiter condition met\n');
    const timeout = await c.k.run(['wait', '--for=condition=Ready=false', 'pod/waiter', '--timeout=1s']);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toContain('error: timed out waiting for the condition on pods/waiter');
  });

  it('--for=delete returns when the object is gone', async () => {
    const w = c.k.stream(['wait', '--for=delete', 'pod/waiter', '--timeout=60s']);
    await new Promise((r) => setTimeout(r, 500));
    await c.k.ok(['delete', 'pod', 'waiter', '--wait=false']);
    expect(await w.exited).toBe(0);
    expect(w.output()).toBe('pod/waiter condition met\n');
  });
});

describe('kubectl delete', () => {
  it('--grace-period: a pod gets its grace period, --grace-period=0 --force ends it at once', async () => {
    // No TERM trap: the container ignores TERM and runs until the grace period ends.
    await c.k.ok(['apply', '-f', c.file('slow.yaml', pod('slow', 30, 'default', false))]);
    await c.phase('slow');
    const started = Date.now();
    const r = await c.k.run(['delete', 'pod', 'slow', '--grace-period=3'], { timeoutMs: 60_000 });
    expect(r.stdout).toBe('pod "slow" deleted\n');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(2500);
    expect(took).toBeLessThan(25_000);
    await c.k.ok(['apply', '-f', c.file('slow2.yaml', pod('slow2', 30, 'default', false))]);
    await c.phase('slow2');
    const forced = await c.k.run(['delete', 'pod', 'slow2', '--grace-period=0', '--force']);
    expect(forced.stderr).toContain('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated.');
    expect(forced.stdout).toBe('pod "slow2" force deleted\n');
    expect((await c.k.run(['get', 'pod', 'slow2'])).stderr).toContain('NotFound');
  });

  it('--cascade=background deletes the owner at once and its dependents after', async () => {
    await c.k.ok(['apply', '-f', c.file('bg.yaml', tickDeployment('bg', 2))]);
    await eventually('2 running pods', async () => (await runningPods(c.k, 'app=bg')).length === 2, 60_000);
    expect(await c.k.ok(['delete', 'deploy', 'bg', '--cascade=background'])).toBe('deployment.apps "bg" deleted\n');
    await eventually('replica sets and pods collected', async () => (await names('rs,pods', 'app=bg')).length === 0, 60_000);
  });

  it('--cascade=foreground keeps the owner (with a foregroundDeletion finalizer) until its dependents are gone', async () => {
    await c.k.ok(['apply', '-f', c.file('fg.yaml', tickDeployment('fg', 1))]);
    await eventually('a running pod', async () => (await runningPods(c.k, 'app=fg')).length === 1, 60_000);
    await c.k.ok(['delete', 'deploy', 'fg', '--cascade=foreground', '--wait=false']);
    const d = JSON.parse(await c.k.ok(['get', 'deploy', 'fg', '-o', 'json'])) as { metadata: { finalizers: string[]; deletionTimestamp?: string } };
    expect(d.metadata.finalizers).toContain('foregroundDeletion');
    expect(d.metadata.deletionTimestamp).toBeTruthy();
    await eventually('the deployment gone after its pods', async () => (await c.k.run(['get', 'deploy', 'fg'])).code === 1, 60_000);
    expect(await names('rs,pods', 'app=fg')).toEqual([]);
  });

  it('--cascade=orphan leaves the dependents, without the owner reference', async () => {
    await c.k.ok(['apply', '-f', c.file('or.yaml', tickDeployment('or', 1))]);
    await eventually('a running pod', async () => (await runningPods(c.k, 'app=or')).length === 1, 60_000);
    expect(await c.k.ok(['delete', 'deploy', 'or', '--cascade=orphan'])).toBe('deployment.apps "or" deleted\n');
    const [rs] = await names('rs', 'app=or');
    expect(rs).toBeTruthy();
    await eventually('the replica set orphaned', async () => (await c.k.ok(['get', rs as string, '-o', 'jsonpath={.metadata.ownerReferences}'])) === '', 30_000);
    expect(await runningPods(c.k, 'app=or')).toHaveLength(1);
    await c.k.ok(['delete', rs as string]);
    await eventually('the pods collected with their replica set', async () => (await names('pods', 'app=or')).length === 0, 60_000);
  });

  it('finalizers hold an object until they are removed', async () => {
    await c.k.ok(['apply', '-f', c.file('fin.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/hold]}\ndata: {a: "1"}\n')]);
    expect(await c.k.ok(['delete', 'cm', 'held', '--wait=false'])).toBe('configmap "held" deleted\n');
    const held = JSON.parse(await c.k.ok(['get', 'cm', 'held', '-o', 'json'])) as { metadata: { deletionTimestamp?: string; finalizers: string[] } };
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    // --wait (the default) blocks until the finalizer goes.
    const waiting = c.k.stream(['delete', 'cm', 'held', '--timeout=60s']);
    await new Promise((r) => setTimeout(r, 1000));
    await c.k.ok(['patch', 'cm', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    expect(await waiting.exited).toBe(0);
    expect((await c.k.run(['get', 'cm', 'held'])).stderr).toContain('Error from server (NotFound): configmaps "held" not found');
  });

  it('DELETE on a collection deletes what its selector matches, holds what finalizers hold, and lists both', async () => {
    const cms = Array.from({ length: 60 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: many-${i}, labels: {batch: many}${i === 7 ? ', finalizers: [example.com/hold]' : ''}}\ndata: {a: "${i}"}\n`);
    await c.k.ok(['apply', '-f', c.file('many.yaml', [...cms, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-many, labels: {batch: other}}\n'].join('---\n'))]);
    const r = await c.api('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=batch%3Dmany');
    expect(r.status).toBe(200);
    const list = JSON.parse(r.body) as { kind: string; items: { metadata: { name: string; deletionTimestamp?: string } }[] };
    expect(list.kind).toBe('ConfigMapList');
    // Every matched object, in the list's (key) order; the held one comes back terminating.
    expect(list.items.map((o) => o.metadata.name)).toEqual(Array.from({ length: 60 }, (_, i) => `many-${i}`).sort());
    expect(list.items.filter((o) => o.metadata.deletionTimestamp).map((o) => o.metadata.name)).toEqual(['many-7']);
    expect(await names('cm', 'batch in (many,other)')).toEqual(['configmap/many-7', 'configmap/not-many']);
    await c.k.ok(['patch', 'cm', 'many-7', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await c.k.ok(['delete', 'cm', 'not-many']);
  });

  it('an owner reference makes the garbage collector delete the dependent', async () => {
    await c.k.ok(['create', 'configmap', 'owner', '--from-literal=a=1']);
    const uid = await c.k.ok(['get', 'cm', 'owner', '-o', 'jsonpath={.metadata.uid}']);
    await c.k.ok(['apply', '-f', c.file('dep.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dependent\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}]\ndata: {b: "2"}\n`)]);
    await c.k.ok(['delete', 'cm', 'owner']);
    await eventually('the dependent collected', async () => (await c.k.run(['get', 'cm', 'dependent'])).code === 1, 30_000);
  });

  it('deleting a namespace deletes everything in it, then the namespace', async () => {
    await c.k.ok(['create', 'namespace', 'doomed']);
    await c.k.ok(['apply', '-n', 'doomed', '-f', c.file('doomed.yaml', tickDeployment('inns', 1))]);
    await c.k.ok(['create', 'configmap', 'c1', '-n', 'doomed', '--from-literal=a=b']);
    await c.k.ok(['create', 'secret', 'generic', 's1', '-n', 'doomed', '--from-literal=a=b']);
    await eventually('a running pod in the namespace', async () => (await runningPods(c.k, 'app=inns', 'doomed')).length === 1, 60_000);
    const r = await c.k.run(['delete', 'namespace', 'doomed', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(r.stdout).toBe('namespace "doomed" deleted\n');
    expect((await c.k.run(['get', 'ns', 'doomed'])).stderr).toContain('Error from server (NotFound): namespaces "doomed" not found');
    for (const kind of ['pods', 'deploy', 'rs', 'cm', 'secrets']) {
      expect(await c.k.ok(['get', kind, '-n', 'doomed', '-o', 'name'])).toBe('');
    }
    const again = await c.k.run(['create', 'configmap', 'late', '-n', 'doomed', '--from-literal=a=b']);
    expect(again.stderr).toContain('namespaces "doomed" not found');
  });
});
