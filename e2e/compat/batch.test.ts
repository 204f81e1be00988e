import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// Jobs and CronJobs with the real kubectl against real containers.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-batch');
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl create job', () => {
  it('runs the pod to completion; wait, get, logs and describe see it', async () => {
    expect(await c.k.ok(['create', 'job', 'hello', '--image=local/busybox:1', '--', 'sh', '-c', 'echo hello'])).toBe('job.batch/hello created\n');
    expect(await c.k.ok(['wait', '--for=condition=complete', 'job/hello', '--timeout=90s'], { timeoutMs: 100_000 })).toBe('job.batch/hello condition met\n');
    const row = await c.k.ok(['get', 'job', 'hello', '--no-headers']);
    expect(row).toMatch(/^hello\s+Complete\s+1\/1\s+\d+s\s+\d+s\n$/);
    expect(await c.k.ok(['logs', 'job/hello'])).toBe('hello\n');
    const described = await c.k.ok(['describe', 'job', 'hello']);
    expect(described).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Normal\s+SuccessfulCreate\s+.*Created pod: hello-\w{5}/);
    expect(described).toMatch(/Normal\s+Completed\s+.*Job completed/);
  });

  it('a failing job fails at its backoffLimit', async () => {
    await c.k.ok(['apply', '-f', c.file('fail.yaml', `apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: local/busybox:1, command: [sh, -c, 'exit 3']}]
`)]);
    expect(await c.k.ok(['wait', '--for=condition=failed', 'job/fails', '--timeout=90s'], { timeoutMs: 100_000 })).toBe('job.batch/fails condition met\n');
    expect(await c.k.ok(['get', 'job', 'fails', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].reason} {.status.failed}'])).toBe('BackoffLimitExceeded 1');
  });

  it('tracks its pods with the job-tracking finalizer: a pod deleted while running counts as failed, and deleting the job lets its pods go', async () => {
    // A short grace period: `sleep` as PID 1 ignores SIGTERM, and the test need not wait 30 s for each stop.
    await c.k.ok(['apply', '-f', c.file('sleeper.yaml', `apiVersion: batch/v1
kind: Job
metadata: {name: sleeper}
spec:
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: local/busybox:1, command: [sleep, '600']}]
`)]);
    const running = async () => (await c.k.ok(['get', 'pods', '-l', 'job-name=sleeper', '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
    let first = '';
    await eventually('a running pod', async () => ((first = (await running())[0] ?? '') !== ''), 90_000);
    expect(await c.k.ok(['get', 'pod', first, '-o', 'jsonpath={.metadata.finalizers}'])).toBe('["batch.kubernetes.io/job-tracking"]');
    // kubectl waits until the pod is gone: the agent stops it, writes Failed, the controller counts and releases it.
    expect(await c.k.ok(['delete', 'pod', first, '--timeout=90s'], { timeoutMs: 100_000 })).toBe(`pod "${first}" deleted\n`);
    await eventually('counted as failed and replaced', async () => {
      const [failed, uncounted] = (await c.k.ok(['get', 'job', 'sleeper', '-o', 'jsonpath={.status.failed} {.status.uncountedTerminatedPods}'])).split(' ');
      const now = await running();
      return failed === '1' && uncounted === '{}' && now.length === 1 && now[0] !== first;
    }, 90_000);
    await c.k.ok(['delete', 'job', 'sleeper', '--timeout=90s'], { timeoutMs: 100_000 });
    await eventually('the job\'s pods gone', async () => (await c.k.ok(['get', 'pods', '-l', 'job-name=sleeper', '-o', 'name'])) === '', 90_000);
  });
});

describe('kubectl create cronjob', () => {
  it('creates the CronJob; create job --from runs it now; the schedule runs it on its own', async () => {
    expect(await c.k.ok(['create', 'cronjob', 'tick', '--image=local/busybox:1', '--schedule=*/1 * * * *', '--', 'sh', '-c', 'echo tick'])).toBe('cronjob.batch/tick created\n');
    const header = await c.k.ok(['get', 'cronjob', 'tick']);
    expect(header).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+\S+\s+\d+s\n$/);
    expect(await c.k.ok(['create', 'job', 'tick-manual', '--from=cronjob/tick'])).toBe('job.batch/tick-manual created\n');
    const owner = await c.k.ok(['get', 'job', 'tick-manual', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}']);
    expect(owner).toBe('CronJob/tick manual');
    expect(await c.k.ok(['wait', '--for=condition=complete', 'job/tick-manual', '--timeout=90s'], { timeoutMs: 100_000 })).toBe('job.batch/tick-manual condition met\n');
    expect(await c.k.ok(['logs', 'job/tick-manual'])).toBe('tick\n');
    // The next whole minute starts `tick-<minutes since the epoch>`.
    let scheduled = '';
    await eventually('a scheduled job', async () => {
      const names = (await c.k.ok(['get', 'jobs', '-o', 'name'])).split('\n').filter((n) => /^job\.batch\/tick-\d+$/.test(n));
      scheduled = names[0]?.slice('job.batch/'.length) ?? '';
      return scheduled !== '';
    }, 100_000);
    expect(Number(scheduled.slice('tick-'.length)) * 60_000).toBeLessThanOrEqual(Date.now());
    await c.k.ok(['wait', '--for=condition=complete', `job/${scheduled}`, '--timeout=90s'], { timeoutMs: 100_000 });
    await eventually('lastSuccessfulTime', async () => (await c.k.ok(['get', 'cronjob', 'tick', '-o', 'jsonpath={.status.lastSuccessfulTime}'])) !== '', 30_000);
    const described = await c.k.ok(['describe', 'cronjob', 'tick']);
    expect(described).toMatch(/Schedule:\s+\*\/1 \* \* \* \*/);
    expect(described).toMatch(/Concurrency Policy:\s+Allow/);
    expect(described).toMatch(new RegExp(`Normal\\s+SuccessfulCreate\\s+.*Created job ${scheduled}`));
  });

  it('refuses a bad schedule with the reason Kubernetes gives', async () => {
    const r = await c.k.run(['create', 'cronjob', 'bad', '--image=local/busybox:1', '--schedule=61 * * * *']);
    expect(r.code).toBe(1);
    // Kubernetes names the kind with its group in an Invalid status: `CronJob.batch`.
    expect(r.stderr).toMatch(/^error: failed to create cronjob: CronJob\.batch "bad" is invalid: spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61$/m);
  });
});

describe('ReplicationController', () => {
  it('create, get, scale through /scale', async () => {
    await c.k.ok(['apply', '-f', c.file('rc.yaml', `apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 1
  selector: {app: legacy, tier: web}
  template:
    metadata:
      labels: {app: legacy, tier: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: local/busybox:1, command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 1; done"]}]
`)]);
    expect(await c.k.ok(['scale', 'rc/legacy', '--replicas=2'])).toBe('replicationcontroller/legacy scaled\n');
    await eventually('2 ready replicas', async () => (await c.k.ok(['get', 'rc', 'legacy', '-o', 'jsonpath={.status.readyReplicas}'])) === '2', 90_000);
    expect(await c.k.ok(['get', 'rc', 'legacy', '--no-headers'])).toMatch(/^legacy\s+2\s+2\s+2\s+\d+s\n$/);
    const scale = JSON.parse(await c.k.ok(['get', '--raw', '/api/v1/namespaces/default/replicationcontrollers/legacy/scale'])) as { status: { selector: string } };
    expect(scale.status.selector).toBe('app=legacy,tier=web');
  });
});
