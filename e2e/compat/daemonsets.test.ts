import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// rollout status|history|undo for DaemonSets and StatefulSets (ControllerRevision history).
let c: CompatCluster;
const V2 = `local/busybox:compat-ds-${process.pid}`;

function manifest(kind: 'DaemonSet' | 'StatefulSet', name: string): string {
  return `apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}}
spec:
${kind === 'StatefulSet' ? `  replicas: 2\n  serviceName: ${name}\n` : ''}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: local/busybox:1
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`;
}

beforeAll(async () => {
  c = await startCompatCluster('compat-ds');
  execFileSync('docker', ['tag', 'local/busybox:1', V2]);
});

afterAll(async () => {
  await c?.stop();
  execFileSync('docker', ['rmi', V2]);
});

const image = (res: string) => c.k.ok(['get', res, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
const status = (res: string) => c.k.ok(['rollout', 'status', res, '--timeout=120s'], { timeoutMs: 130_000 });

describe.each([
  { kind: 'DaemonSet' as const, res: 'ds/agent', name: 'agent', full: 'daemonset.apps/agent', done: 'daemon set "agent" successfully rolled out' },
  { kind: 'StatefulSet' as const, res: 'sts/db', name: 'db', full: 'statefulset.apps/db', done: 'partitioned roll out complete: 2 new pods have been updated...' },
])('kubectl rollout for a $kind', ({ kind, res, name, full, done }) => {
  it('status waits for the pods, history lists revisions, undo rolls back', async () => {
    await c.k.ok(['apply', '-f', c.file(`${name}.yaml`, manifest(kind, name))]);
    expect(await status(res)).toContain(done);
    const described = await c.k.ok(['describe', res]);
    expect(described).toMatch(new RegExp(`Pods Status:\\s+${kind === 'StatefulSet' ? 2 : 1} Running / 0 Waiting / 0 Succeeded / 0 Failed`));
    expect(described).toMatch(kind === 'StatefulSet' ? /Normal\s+SuccessfulCreate\s+.*create Pod db-1 in StatefulSet db successful/ : /Normal\s+SuccessfulCreate\s+.*Created pod: agent-\w{5}/);
    await c.k.ok(['set', 'image', res, `main=${V2}`]);
    await c.k.ok(['annotate', res, 'kubernetes.io/change-cause=image v2', '--overwrite']);
    expect(await status(res)).toContain(done);
    const pods = await c.k.ok(['get', 'pods', '-l', `app=${name}`, '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image}{"\\n"}{end}']);
    expect(pods.trim().split('\n').every((i) => i === V2)).toBe(true);
    const history = await c.k.ok(['rollout', 'history', res]);
    expect(history).toContain(`${full} `);
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    expect(history).toMatch(/^1\s+\S+/m);
    expect(history).toMatch(/^2\s+\S+/m);
    const rev1 = await c.k.ok(['rollout', 'history', res, '--revision=1']);
    expect(rev1).toContain(`${full} with revision #1`);
    expect(rev1).toMatch(/Image:\s+local\/busybox:1/);
    expect(await c.k.ok(['rollout', 'undo', res])).toBe(`${full} rolled back\n`);
    expect(await status(res)).toContain(done);
    expect(await image(res)).toBe('local/busybox:1');
    expect(await c.k.ok(['rollout', 'history', res])).toMatch(/^2\s+\S+\n3\s+\S+\n/m);
    const same = await c.k.run(['rollout', 'undo', res, '--to-revision=3']);
    expect(same.stdout + same.stderr).toContain('skipped rollback (current template already matches revision 3)');
    const revisions = await c.k.ok(['get', 'controllerrevisions', '-l', `app=${name}`, '--no-headers']);
    expect(revisions.trim().split('\n')).toHaveLength(2);
    expect(revisions).toMatch(new RegExp(`^${name}-\\w+\\s+${full.replace('/', '\\/').replace('.', '\\.')}\\s+3\\s+`, 'm'));
  });
});
