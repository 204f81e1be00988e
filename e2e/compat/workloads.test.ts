import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Kubectl } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// The real kubectl against a live Skiff whose local node runs real containers on the local engine.
let c: CompatCluster;
let k: Kubectl;

const deployment = (replicas: number, extraEnv = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "echo serving $HOSTNAME; trap 'exit 0' TERM; while true; do echo tick; sleep 1; done"]
        env: [{name: MODE, value: test}${extraEnv}]
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
`;

function file(name: string, text: string): string {
  return c.file(name, text);
}

async function runningPods(): Promise<string[]> {
  const out = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}']);
  return out
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((f) => f[1] === 'Running' && f.length === 2)
    .map((f) => f[0] as string);
}

beforeAll(async () => {
  // Its own node name: the agent (and the cleanup) touch only this node's containers.
  c = await startCompatCluster('compat-workloads');
  k = c.k;
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl everyday commands (walking skeleton)', () => {
  it('get nodes shows the local node Ready with its runtime', async () => {
    const out = await k.ok(['get', 'nodes', '-o', 'wide']);
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP/m);
    expect(out).toMatch(/\sReady\s/);
    expect(out).toContain('docker://');
  });

  it('apply -f creates, re-apply is unchanged, changed apply configures', async () => {
    const f = file('web.yaml', deployment(2));
    expect(await k.ok(['apply', '-f', f])).toBe('deployment.apps/web created\nservice/web created\n');
    expect(await k.ok(['apply', '-f', f])).toBe('deployment.apps/web unchanged\nservice/web unchanged\n');
    await eventually('2 running pods', async () => (await runningPods()).length === 2, 60_000);
    const f2 = file('web2.yaml', deployment(2, ', {name: EXTRA, value: "1"}'));
    expect(await k.ok(['apply', '-f', f2])).toContain('deployment.apps/web configured');
    // A template change rolls to a new ReplicaSet; the old one is scaled to 0.
    await eventually('the rollout to finish', async () => {
      const rs = await k.ok(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.replicas}{","}{end}']);
      return rs.split(',').filter(Boolean).sort().join(',') === '0,2';
    }, 90_000);
    const out = await k.run(['rollout', 'status', 'deploy/web', '--timeout=60s']);
    expect(out.stdout).toContain('successfully rolled out');
  });

  it('get pods -o wide shows IP and NODE of Running pods', async () => {
    await eventually('2 running pods after the rollout', async () => (await runningPods()).length === 2, 60_000);
    const out = await k.ok(['get', 'pods', '-o', 'wide', '-l', 'app=web']);
    expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/m);
    const running = out.split('\n').filter((l) => / Running /.test(l));
    expect(running.length).toBeGreaterThanOrEqual(2);
    for (const l of running) expect(l).toMatch(/\d+\.\d+\.\d+\.\d+/);
  });

  it('get -w streams changes as they happen', async () => {
    const w = k.stream(['get', 'deploy', 'web', '-w']);
    await eventually('the first row', () => w.output().includes('web'), 20_000);
    await k.ok(['scale', 'deploy/web', '--replicas=3']);
    await eventually('a 3-replica row', () => /web\s+\d\/3/.test(w.output()), 60_000);
    w.stop();
    await w.exited;
  });

  it('scale changes the replica count through the scale subresource', async () => {
    await k.ok(['scale', 'deploy/web', '--replicas=1']);
    await eventually('one running pod', async () => (await runningPods()).length === 1, 60_000);
    expect(await k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('1');
  });

  it('logs and logs -f read the container output', async () => {
    const [pod] = await runningPods();
    expect(pod).toBeTruthy();
    expect(await k.ok(['logs', pod as string])).toContain('serving ' + pod);
    const f = k.stream(['logs', '-f', pod as string]);
    const before = await eventually('the first lines', () => (f.output().match(/tick/g)?.length ?? 0) >= 1 && f.output(), 20_000);
    const n = before.match(/tick/g)?.length ?? 0;
    await eventually('new lines while following', () => (f.output().match(/tick/g)?.length ?? 0) >= n + 2, 20_000);
    f.stop();
    await f.exited;
  });

  it('delete removes the deployment, its replica sets and pods', async () => {
    expect(await k.ok(['delete', 'deploy', 'web'])).toContain('deployment.apps "web" deleted');
    await eventually('pods and replica sets to be gone', async () => {
      const out = await k.ok(['get', 'rs,pods', '-l', 'app=web', '-o', 'name']);
      return out.trim() === '';
    }, 90_000);
    const nf = await k.run(['get', 'deploy', 'web']);
    expect(nf.code).toBe(1);
    expect(nf.stderr).toContain('Error from server (NotFound): deployments.apps "web" not found');
  });

  it('an invalid object is refused with a field path', async () => {
    const bad = file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: c\n');
    const r = await k.run(['apply', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The Pod "bad" is invalid: .*spec\.containers\[0\]\.image: Required value/);
  });
});
