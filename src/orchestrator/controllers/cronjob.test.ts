import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CronJob, CronJobSpec, Job } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

const MIN = 60_000;

function cronJob(name: string, spec: Partial<CronJobSpec> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'local/busybox:1' }] } } } },
      ...spec,
    },
  };
}

const jobs = async (f: ControllerFixture) => (await f.list<Job>('jobs')).filter((j) => !j.metadata.deletionTimestamp).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
const get = (f: ControllerFixture, name: string) => f.client.get<CronJob>('cronjobs', 'default', name);
/** The Job name Kubernetes gives the run scheduled at `t`. */
const nameAt = (cj: string, t: number) => `${cj}-${Math.floor(t / MIN)}`;

/** Creates the CronJob and steps 200 ms on: the controller wakes 100 ms after each start time (nextScheduleDelta). */
async function create(f: ControllerFixture, cj: CronJob): Promise<void> {
  await f.client.create('cronjobs', cj);
  await f.advance(200);
}

async function complete(f: ControllerFixture, job: Job, type: 'Complete' | 'Failed' = 'Complete'): Promise<void> {
  const now = isoTime(f.clock.now());
  await f.client.patch('jobs', 'default', job.metadata.name ?? '', 'merge', { status: { conditions: [{ type, status: 'True', lastTransitionTime: now }], ...(type === 'Complete' ? { completionTime: now } : {}) } }, { subresource: 'status' });
  await f.settle();
}

describe('cronjob controller', () => {
  let f: ControllerFixture;
  let t0: number;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
    t0 = f.clock.now();
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('creates a Job at each start time, named by the minute, from the template', async () => {
    await create(f, cronJob('cj', { schedule: '*/5 * * * *', timeZone: 'UTC' }));
    await f.settle();
    expect(await jobs(f)).toHaveLength(0);
    await f.advance(5 * MIN);
    const [j] = await jobs(f);
    expect(j?.metadata.name).toBe(nameAt('cj', t0 + 5 * MIN));
    expect(j?.metadata.labels).toEqual({ team: 'a' });
    expect(j?.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-01T00:05:00Z');
    expect(j?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'cj', controller: true });
    let cj = await get(f, 'cj');
    expect(cj.status?.active?.map((r) => r.name)).toEqual([j?.metadata.name]);
    expect(cj.status?.lastScheduleTime).toBe(isoTime(t0 + 5 * MIN));
    await complete(f, j as Job);
    cj = await get(f, 'cj');
    expect(cj.status?.active).toBeUndefined();
    expect(cj.status?.lastSuccessfulTime).toBe(isoTime(f.clock.now()));
    expect((await f.events('SuccessfulCreate')).map((e) => e.message)).toContain(`Created job ${j?.metadata.name}`);
    expect(await f.events('SawCompletedJob')).toHaveLength(1);
  });

  it.each([
    { policy: 'Allow' as const, jobsAfter: 2, event: undefined },
    { policy: 'Forbid' as const, jobsAfter: 1, event: 'JobAlreadyActive' },
    { policy: 'Replace' as const, jobsAfter: 1, event: 'SuccessfulDelete' },
  ])('concurrencyPolicy $policy with a run still active', async ({ policy, jobsAfter, event }) => {
    await create(f, cronJob('cj', { concurrencyPolicy: policy }));
    await f.advance(MIN);
    expect(await jobs(f)).toHaveLength(1);
    await f.advance(MIN);
    const now = await jobs(f);
    expect(now).toHaveLength(jobsAfter);
    if (policy === 'Replace') expect(now[0]?.metadata.name).toBe(nameAt('cj', t0 + 2 * MIN));
    if (event) expect((await f.events(event)).length).toBeGreaterThan(0);
    expect((await get(f, 'cj')).status?.active).toHaveLength(jobsAfter);
  });

  it('keeps successfulJobsHistoryLimit and failedJobsHistoryLimit finished Jobs', async () => {
    await create(f, cronJob('cj', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }));
    for (let i = 0; i < 4; i++) {
      await f.advance(MIN);
      const running = (await jobs(f)).filter((j) => !j.status?.conditions?.length);
      for (const j of running) await complete(f, j, i % 2 === 0 ? 'Complete' : 'Failed');
    }
    await f.settle();
    const left = await jobs(f);
    const kind = (j: Job) => j.status?.conditions?.[0]?.type;
    expect(left.filter((j) => kind(j) === 'Complete').map((j) => j.metadata.name)).toEqual([nameAt('cj', t0 + MIN), nameAt('cj', t0 + 3 * MIN)]);
    expect(left.filter((j) => kind(j) === 'Failed').map((j) => j.metadata.name)).toEqual([nameAt('cj', t0 + 4 * MIN)]);
  });

  it('suspend stops new runs; resuming runs only the latest missed time', async () => {
    await f.client.create('cronjobs', cronJob('cj', { suspend: true }));
    await f.advance(10 * MIN);
    expect(await jobs(f)).toHaveLength(0);
    await f.client.patch('cronjobs', 'default', 'cj', 'merge', { spec: { suspend: false } });
    await f.settle();
    expect((await jobs(f)).map((j) => j.metadata.name)).toEqual([nameAt('cj', t0 + 10 * MIN)]);
  });

  it('reads the schedule in spec.timeZone', async () => {
    // The test clock starts at 00:00 UTC, 09:00 in Tokyo: 09:05 there is five minutes away (09:05 UTC would be nine hours).
    await f.client.create('cronjobs', cronJob('cj', { schedule: '5 9 * * *', timeZone: 'Asia/Tokyo' }));
    await f.advance(4 * MIN);
    expect(await jobs(f)).toHaveLength(0);
    await f.advance(MIN + 200);
    const [j] = await jobs(f);
    expect(j?.metadata.name).toBe(nameAt('cj', t0 + 5 * MIN));
    expect(j?.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-01T09:05:00+09:00');
  });

  describe('after the clock jumps forward (a laptop asleep)', () => {
    it.each([
      {
        name: 'every minute, asleep 1h, deadline 200s: one Job, for the last minute',
        spec: { schedule: '* * * * *', startingDeadlineSeconds: 200 },
        sleep: 60 * MIN + 10_000,
        expectJobs: (t: number) => [nameAt('cj', t + 60 * MIN)],
        events: { MissSchedule: 0, TooManyMissedTimes: 0 },
      },
      {
        name: 'every minute, asleep 3h, no deadline: one Job and a warning about too many missed times',
        spec: { schedule: '* * * * *' },
        sleep: 180 * MIN + 10_000,
        expectJobs: (t: number) => [nameAt('cj', t + 180 * MIN)],
        events: { MissSchedule: 0, TooManyMissedTimes: 1 },
      },
      {
        name: 'hourly, asleep 1h40m, deadline 30s: the 01:00 run is too late, none runs',
        spec: { schedule: '0 * * * *', timeZone: 'UTC', startingDeadlineSeconds: 30 },
        sleep: 100 * MIN,
        expectJobs: () => [],
        events: { MissSchedule: 0, TooManyMissedTimes: 0 },
      },
      {
        name: 'hourly, asleep 1h40m, deadline 1h: the 01:00 run starts late, once',
        spec: { schedule: '0 * * * *', timeZone: 'UTC', startingDeadlineSeconds: 3600 },
        sleep: 100 * MIN,
        expectJobs: (t: number) => [nameAt('cj', t + 60 * MIN)],
        events: { MissSchedule: 0, TooManyMissedTimes: 0 },
      },
    ])('$name', async ({ spec, sleep, expectJobs, events }) => {
      await f.client.create('cronjobs', cronJob('cj', spec));
      await f.settle();
      await f.clock.freeze(sleep);
      await f.settle();
      expect((await jobs(f)).map((j) => j.metadata.name)).toEqual(expectJobs(t0));
      for (const [reason, n] of Object.entries(events)) expect(await f.events(reason)).toHaveLength(n);
      // And the schedule goes on normally afterwards: one more run at the next start time.
      const before = (await jobs(f)).length;
      await f.advance(spec.schedule === '0 * * * *' ? 60 * MIN : MIN);
      expect((await jobs(f)).length).toBe(before + 1);
    });
  });
});
