import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job, JobSpec, Pod } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';
import { COMPLETION_INDEX, INDEX_FAILURE_COUNT, INDEX_IGNORED_FAILURE_COUNT } from './jobutil.js';

function job(name: string, spec: Partial<JobSpec> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'local/busybox:1' }] } }, ...spec },
  };
}

/** What the agent writes when a pod's container exits. */
async function finish(f: ControllerFixture, pod: Pod, exitCode: number, conditions: { type: string; status: 'True' | 'False' }[] = []): Promise<void> {
  const now = isoTime(f.clock.now());
  await f.client.updateStatus<Pod>('pods', {
    ...pod,
    status: {
      ...pod.status,
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }, ...conditions.map((c) => ({ ...c, lastTransitionTime: now }))],
      containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'local/busybox:1', imageID: '', state: { terminated: { exitCode, finishedAt: now } }, lastState: {} }],
    },
  });
}

const running = async (f: ControllerFixture) => (await f.pods()).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
const get = (f: ControllerFixture, name: string) => f.client.get<Job>('jobs', 'default', name);
const finish_ = (f: ControllerFixture, p: Pod) => finish(f, p, 0);
const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

/** Finishes every running pod with `code`, then settles; `rounds` times. */
async function finishAll(f: ControllerFixture, code: number, rounds = 1): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (const p of await running(f)) await finish(f, p, code);
    await f.settle();
  }
}

describe('job controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it.each([
    { name: 'one pod by default', spec: {}, firstWave: 1, waves: 1, succeeded: 1 },
    { name: 'completions 4, parallelism 2', spec: { completions: 4, parallelism: 2 }, firstWave: 2, waves: 2, succeeded: 4 },
    { name: 'completions 3, parallelism 5 runs only 3', spec: { completions: 3, parallelism: 5 }, firstWave: 3, waves: 1, succeeded: 3 },
    { name: 'work queue: parallelism 3, no completions', spec: { parallelism: 3, completions: undefined }, firstWave: 3, waves: 1, succeeded: 3 },
  ])('runs to completion: $name', async ({ spec, firstWave, waves, succeeded }) => {
    await f.client.create('jobs', job('j', spec as Partial<JobSpec>));
    await f.settle();
    expect(await running(f)).toHaveLength(firstWave);
    const j0 = await get(f, 'j');
    expect(j0.status).toMatchObject({ active: firstWave, succeeded: 0, failed: 0, startTime: isoTime(f.clock.now()) });
    await finishAll(f, 0, waves);
    const j = await get(f, 'j');
    expect(cond(j, 'Complete')).toMatchObject({ reason: 'CompletionsReached' });
    expect(cond(j, 'SuccessCriteriaMet')).toBeDefined();
    expect(j.status).toMatchObject({ active: 0, succeeded, failed: 0, completionTime: isoTime(f.clock.now()) });
    expect(await running(f)).toHaveLength(0);
    expect(await f.events('Completed')).toHaveLength(1);
    expect((await f.events('SuccessfulCreate'))[0]?.message).toMatch(/^Created pod: j-[a-z0-9]{5}$/);
  });

  it('tracks pods with the job-tracking finalizer: a finished pod deleted by hand stays counted', async () => {
    await f.client.create('jobs', job('j', { completions: 2, parallelism: 1 }));
    await f.settle();
    const [first] = await running(f);
    expect(first?.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    await finishAll(f, 0);
    // Counted, and released: nothing holds the finished pod any more.
    const done = (await f.pods()).find((p) => p.metadata.uid === first?.metadata.uid);
    expect(done?.metadata.finalizers ?? []).toEqual([]);
    expect((await get(f, 'j')).status).toMatchObject({ succeeded: 1, failed: 0, active: 1, uncountedTerminatedPods: {} });
    await f.client.delete('pods', 'default', first?.metadata.name ?? '');
    await f.settle();
    expect((await f.pods()).some((p) => p.metadata.uid === first?.metadata.uid)).toBe(false);
    // Still one success: only one more pod runs.
    expect((await get(f, 'j')).status).toMatchObject({ succeeded: 1, active: 1 });
    await finishAll(f, 0);
    const j = await get(f, 'j');
    expect(cond(j, 'Complete')).toBeDefined();
    expect(j.status).toMatchObject({ succeeded: 2, failed: 0, active: 0, uncountedTerminatedPods: {} });
    expect((await f.events('SuccessfulCreate'))).toHaveLength(2);
  });

  it('counts a running pod deleted by hand as failed once its agent has stopped it, and a force-deleted one at once', async () => {
    await f.client.create('jobs', job('j', { completions: 3, parallelism: 2, backoffLimit: 5 }));
    await f.settle();
    const [a, b] = await running(f);
    await f.client.delete('pods', 'default', a?.metadata.name ?? '');
    await f.settle();
    // Terminating: held by the finalizer, not counted yet, already replaced.
    expect((await get(f, 'j')).status).toMatchObject({ failed: 0, terminating: 1, active: 2 });
    await f.finishTerminating();
    await f.settle();
    expect((await f.pods()).some((p) => p.metadata.uid === a?.metadata.uid)).toBe(false);
    expect((await get(f, 'j')).status).toMatchObject({ failed: 1, terminating: 0 });
    // Grace 0 (its node is gone): failed at once, and gone once the finalizer is removed.
    await f.client.delete('pods', 'default', b?.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await f.settle();
    expect((await f.pods()).some((p) => p.metadata.uid === b?.metadata.uid)).toBe(false);
    expect((await get(f, 'j')).status).toMatchObject({ failed: 2, uncountedTerminatedPods: {} });
  });

  it('releases its pods when the Job is deleted, so they can go', async () => {
    await f.client.create('jobs', job('j', { parallelism: 2, completions: 2 }));
    await f.settle();
    expect(await running(f)).toHaveLength(2);
    await f.client.delete('jobs', 'default', 'j', { propagationPolicy: 'Orphan' });
    await f.settle();
    for (const p of await f.pods()) expect(p.metadata.finalizers ?? []).toEqual([]);
    // A pod that carries the finalizer but belongs to no Job (orphaned before the controller saw it go).
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', finalizers: ['batch.kubernetes.io/job-tracking'] }, spec: { containers: [{ name: 'main', image: 'local/busybox:1' }] } });
    await f.settle();
    expect((await f.client.get<Pod>('pods', 'default', 'stray')).metadata.finalizers ?? []).toEqual([]);
    for (const p of await f.pods()) await f.client.delete('pods', 'default', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
    expect(await f.pods()).toHaveLength(0);
  });

  it('backs off after each failure (10s, 20s, ...) and fails at backoffLimit', async () => {
    await f.client.create('jobs', job('j', { backoffLimit: 2 }));
    await f.settle();
    await finishAll(f, 1);
    // The replacement waits the pod failure back-off.
    expect(await running(f)).toHaveLength(0);
    await f.advance(9_000);
    expect(await running(f)).toHaveLength(0);
    await f.advance(1_100);
    expect(await running(f)).toHaveLength(1);
    await finishAll(f, 1);
    await f.advance(19_000);
    expect(await running(f)).toHaveLength(0);
    await f.advance(1_100);
    expect(await running(f)).toHaveLength(1);
    await finishAll(f, 1);
    const j = await get(f, 'j');
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(cond(j, 'FailureTarget')).toBeDefined();
    expect(j.status).toMatchObject({ failed: 3, succeeded: 0, active: 0 });
    expect(j.status?.completionTime).toBeUndefined();
    await f.advance(600_000);
    expect(await running(f)).toHaveLength(0);
    expect(await f.events('BackoffLimitExceeded')).toHaveLength(1);
  });

  it.each([
    { name: 'FailJob on exit code 42', rule: { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }, code: 42, failed: true, message: /^Container main for pod default\/j-\w+ failed with exit code 42 matching FailJob rule at index 0$/ },
    { name: 'Ignore on DisruptionTarget does not count', rule: { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, code: 1, disrupted: true, failed: false },
    { name: 'NotIn [0,1] fails on 3', rule: { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }, code: 3, failed: true, message: /exit code 3 matching FailJob rule/ },
    { name: 'Count behaves as no rule', rule: { action: 'Count', onExitCodes: { operator: 'In', values: [5] } }, code: 5, failed: false },
  ])('podFailurePolicy: $name', async ({ rule, code, disrupted, failed, message }) => {
    await f.client.create('jobs', job('j', { backoffLimit: 3, podFailurePolicy: { rules: [rule as never] } }));
    await f.settle();
    const [p] = await running(f);
    await finish(f, p as Pod, code, disrupted ? [{ type: 'DisruptionTarget', status: 'True' }] : []);
    await f.settle();
    const j = await get(f, 'j');
    if (failed) {
      expect(cond(j, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy' });
      expect(cond(j, 'Failed')?.message).toMatch(message as RegExp);
    } else {
      expect(cond(j, 'Failed')).toBeUndefined();
      expect(j.status?.failed).toBe(disrupted ? 0 : 1);
      // An ignored failure is replaced at once; a counted one after the back-off.
      if (!disrupted) await f.advance(10_100);
      expect(await running(f)).toHaveLength(1);
    }
  });

  it('fails at activeDeadlineSeconds and deletes its pods', async () => {
    await f.client.create('jobs', job('j', { activeDeadlineSeconds: 30, parallelism: 2, completions: 2 }));
    await f.settle();
    expect(await running(f)).toHaveLength(2);
    await f.advance(29_000);
    expect(cond(await get(f, 'j'), 'Failed')).toBeUndefined();
    await f.advance(1_000);
    const j = await get(f, 'j');
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(await running(f)).toHaveLength(0);
    expect(j.status?.active).toBe(0);
  });

  it('Indexed: one pod per index with its index, completedIndexes as ranges', async () => {
    await f.client.create('jobs', job('ix', { completionMode: 'Indexed', completions: 4, parallelism: 2 }));
    await f.settle();
    let pods = await running(f);
    expect(pods.map((p) => p.metadata.annotations?.[COMPLETION_INDEX]).sort()).toEqual(['0', '1']);
    for (const p of pods) {
      const i = p.metadata.labels?.[COMPLETION_INDEX];
      expect(p.metadata.name).toMatch(new RegExp(`^ix-${i}-[a-z0-9]{5}$`));
      expect(p.spec.hostname).toBe(`ix-${i}`);
      expect(p.spec.containers[0]?.env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } });
    }
    const first = pods.find((p) => p.metadata.labels?.[COMPLETION_INDEX] === '0') as Pod;
    await finish(f, first, 0);
    await f.settle();
    pods = await running(f);
    expect(pods.map((p) => p.metadata.labels?.[COMPLETION_INDEX]).sort()).toEqual(['1', '2']);
    expect((await get(f, 'ix')).status?.completedIndexes).toBe('0');
    await finishAll(f, 0, 2);
    const j = await get(f, 'ix');
    expect(j.status).toMatchObject({ completedIndexes: '0-3', succeeded: 4 });
    expect(cond(j, 'Complete')).toBeDefined();
  });

  it.each([
    { rules: [{ succeededIndexes: '0,2' }], finish: ['0', '2'], done: true },
    { rules: [{ succeededIndexes: '0,2' }], finish: ['0', '1'], done: false },
    { rules: [{ succeededCount: 2 }], finish: ['1', '3'], done: true },
    { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }], finish: ['3'], done: false },
  ])('successPolicy $rules with indexes $finish succeeded: complete $done', async ({ rules, finish, done }) => {
    await f.client.create('jobs', job('sp', { completionMode: 'Indexed', completions: 4, parallelism: 4, successPolicy: { rules } }));
    await f.settle();
    for (const p of await running(f)) if (finish.includes(p.metadata.labels?.[COMPLETION_INDEX] ?? '')) await finish_(f, p);
    await f.settle();
    const j = await get(f, 'sp');
    if (done) {
      expect(cond(j, 'Complete')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
      expect(cond(j, 'SuccessCriteriaMet')).toMatchObject({ reason: 'SuccessPolicy' });
      expect(await running(f)).toHaveLength(0);
    } else {
      expect(cond(j, 'Complete')).toBeUndefined();
      expect(await running(f)).toHaveLength(4 - finish.length);
    }
  });

  it('Indexed with backoffLimitPerIndex: a failed index fails the Job at the end', async () => {
    await f.client.create('jobs', job('ix', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 0 }));
    await f.settle();
    const pods = await running(f);
    await finish(f, pods.find((p) => p.metadata.labels?.[COMPLETION_INDEX] === '1') as Pod, 1);
    await finish(f, pods.find((p) => p.metadata.labels?.[COMPLETION_INDEX] === '0') as Pod, 0);
    await f.settle();
    const j = await get(f, 'ix');
    expect(j.status).toMatchObject({ completedIndexes: '0', failedIndexes: '1', failed: 1 });
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'FailedIndexes' });
  });

  it("backoffLimitPerIndex keeps each index's failures in its pods' annotations: a failed pod deleted by hand does not reset them", async () => {
    await f.client.create('jobs', job('ix', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 }));
    await f.settle();
    const ofIndex = async (i: string) => (await running(f)).filter((p) => p.metadata.labels?.[COMPLETION_INDEX] === i);
    const [first] = await ofIndex('0');
    expect(first?.metadata.annotations?.[INDEX_FAILURE_COUNT]).toBe('0');
    await finish(f, first as Pod, 1);
    await f.settle();
    // The index backs off on its own (10 s); index 1 keeps running meanwhile.
    expect(await ofIndex('0')).toHaveLength(0);
    expect(await ofIndex('1')).toHaveLength(1);
    await f.advance(10_000);
    const [second] = await ofIndex('0');
    expect(second?.metadata.annotations?.[INDEX_FAILURE_COUNT]).toBe('1');
    await f.client.delete('pods', 'default', first?.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await f.settle();
    await finish(f, second as Pod, 1);
    await f.settle();
    await f.advance(30_000);
    // Two failures of index 0 (one of them no longer present) exceed its limit of 1.
    expect(await ofIndex('0')).toHaveLength(0);
    expect((await get(f, 'ix')).status).toMatchObject({ failedIndexes: '0' });
  });

  it('backoffLimitPerIndex: failures a pod failure policy ignores are counted apart and do not use up the limit', async () => {
    const rules = [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } }];
    await f.client.create('jobs', job('ig', { completionMode: 'Indexed', completions: 1, parallelism: 1, backoffLimitPerIndex: 0, podFailurePolicy: { rules } } as Partial<JobSpec>));
    await f.settle();
    const [first] = await running(f);
    await finish(f, first as Pod, 42);
    await f.settle();
    const [second] = await running(f);
    expect(second?.metadata.annotations).toMatchObject({ [INDEX_FAILURE_COUNT]: '0', [INDEX_IGNORED_FAILURE_COUNT]: '1' });
    await finish(f, second as Pod, 0);
    await f.settle();
    expect(cond(await get(f, 'ig'), 'Complete')).toBeDefined();
  });

  it('suspend deletes the pods and resume starts again with a new startTime', async () => {
    await f.client.create('jobs', job('j', { parallelism: 2, completions: 2 }));
    await f.settle();
    await f.client.patch('jobs', 'default', 'j', 'merge', { spec: { suspend: true } });
    await f.settle();
    await f.finishTerminating();
    await f.settle();
    let j = await get(f, 'j');
    expect(await running(f)).toHaveLength(0);
    expect(cond(j, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(j.status?.active).toBe(0);
    await f.advance(60_000);
    await f.client.patch('jobs', 'default', 'j', 'merge', { spec: { suspend: false } });
    await f.settle();
    j = await get(f, 'j');
    expect(await running(f)).toHaveLength(2);
    expect(j.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect(j.status?.startTime).toBe(isoTime(f.clock.now()));
    expect((await f.events('Suspended')).length).toBe(1);
    expect((await f.events('Resumed')).length).toBe(1);
  });

  it('created suspended: no pods, no startTime', async () => {
    await f.client.create('jobs', job('j', { suspend: true }));
    await f.settle();
    expect(await running(f)).toHaveLength(0);
    expect((await get(f, 'j')).status?.startTime).toBeUndefined();
  });

  it('ttlSecondsAfterFinished deletes the finished Job', async () => {
    await f.client.create('jobs', job('j', { ttlSecondsAfterFinished: 100 }));
    await f.settle();
    await finishAll(f, 0);
    await f.advance(99_000);
    expect((await f.list('jobs')).map((j) => j.metadata.name)).toEqual(['j']);
    await f.advance(1_500);
    expect(await f.list('jobs')).toHaveLength(0);
  });

  it('OnFailure: container restarts count against backoffLimit', async () => {
    const spec = job('j', { backoffLimit: 2 });
    spec.spec.template.spec.restartPolicy = 'OnFailure';
    await f.client.create('jobs', spec);
    await f.settle();
    const [p] = await running(f);
    await f.client.updateStatus<Pod>('pods', { ...(p as Pod), status: { phase: 'Running', containerStatuses: [{ name: 'main', ready: false, restartCount: 3, image: 'x', imageID: '', state: { running: {} }, lastState: {} }] } });
    await f.settle();
    expect(cond(await get(f, 'j'), 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(await running(f)).toHaveLength(0);
  });
});
