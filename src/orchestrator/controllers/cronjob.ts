import { ApiError, isNotFound } from '../api/errors.js';
import { CronError, localTimeZone, parseSchedule, timeZoneError, type CronSchedule } from '../api/cron.js';
import { objectKey } from '../api/resources.js';
import type { CronJob, CronJobStatus, Job, ObjectReference } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { changedBeyondStatus, controllerRef, deepEqual, newControllerRef } from '../api/podutil.js';
import { InvalidSpec, runLoop, type ControllerLoop } from '../client/runner.js';
import { jobFinished, jobFinishTime } from './jobutil.js';
import { jobNameFor, mostRecentScheduleTime, nextScheduleDelay, rfc3339In } from './cronjobutil.js';
import { errorText, terminatingNamespace } from './podcontrol.js';

const COMPONENT = 'cronjob-controller';
const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const MAX_WAIT_MS = 60_000;

/**
 * CronJob -> Jobs (Kubernetes' cronjob controller v2). At each start time of `spec.schedule` (robfig
 * syntax, read in `spec.timeZone` or this process's zone) it creates the Job `<name>-<minutes since
 * the epoch>` from `jobTemplate`, honouring `concurrencyPolicy` (Allow, Forbid, Replace), `suspend`
 * and `startingDeadlineSeconds`; keeps `status.active`, `lastScheduleTime` and `lastSuccessfulTime`;
 * deletes finished Jobs beyond the history limits. Only the most recent missed start time can run
 * (and only within the starting deadline): after the clock jumps forward, at most one Job starts.
 * The key is requeued for just after the next start time.
 */
export function startCronJobController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const cjInf = informers.get<CronJob>('cronjobs');
  const jobInf = informers.get<Job>('jobs');

  const reconcile = async (key: string): Promise<void> => {
    const cj = cjInf.get(key);
    if (!cj) return;
    const ns = cj.metadata.namespace ?? '';
    const now = clock.now();
    const jobs = jobInf.byIndex('namespace', ns).filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    let active: ObjectReference[] = [...(status.active ?? [])];

    // Keep status.active true to the Jobs that exist and run.
    for (const j of jobs) {
      const finished = jobFinished(j);
      const listed = active.some((r) => r.uid === j.metadata.uid);
      if (!finished && !listed) active.push(jobRef(j));
      if (finished && listed) {
        active = active.filter((r) => r.uid !== j.metadata.uid);
        recorder.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${finished}`);
      }
      if (finished === 'Complete') {
        const t = jobFinishTime(j);
        if (t !== undefined && (status.lastSuccessfulTime === undefined || Date.parse(status.lastSuccessfulTime) < t)) status.lastSuccessfulTime = isoTime(t);
      }
    }
    active = active.filter((r) => {
      if (jobs.some((j) => j.metadata.uid === r.uid)) return true;
      recorder.record(cj, 'Normal', 'MissingJob', `Active job went missing: ${r.name}`);
      return false;
    });
    status.active = active;

    await cleanupFinished(cj, jobs);
    if (cj.metadata.deletionTimestamp || cj.spec.suspend) return writeStatus(cj, status);

    const zone = cj.spec.timeZone ?? localTimeZone();
    let schedule: CronSchedule;
    try {
      if (cj.spec.timeZone !== undefined && timeZoneError(cj.spec.timeZone)) {
        recorder.record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: ${timeZoneError(cj.spec.timeZone)}`);
        throw new InvalidSpec('unknown time zone');
      }
      schedule = parseSchedule(cj.spec.schedule, zone);
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      recorder.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${e.message}`);
      await writeStatus(cj, status);
      throw new InvalidSpec('unparseable schedule');
    }
    const view: CronJob = { ...cj, status };
    const requeue = () => {
      // At most a minute: timers run on the monotonic clock, which stands still while a laptop
      // sleeps, so a long wait could end hours late; a look every minute sees the wall clock move.
      loop.enqueueAfter(key, Math.min(nextScheduleDelay(view, now, schedule), MAX_WAIT_MS));
    };

    let recent;
    try {
      recent = mostRecentScheduleTime(view, now, schedule, true);
    } catch (e) {
      recorder.record(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${errorText(e)}`);
      await writeStatus(cj, status);
      throw new InvalidSpec('invalid schedule');
    }
    if (recent.missed === 'many') recorder.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const scheduled = recent.mostRecent;
    const sds = cj.spec.startingDeadlineSeconds;
    if (scheduled === undefined) {
      await writeStatus(cj, status);
      return requeue();
    }
    if (sds !== undefined && sds !== null && scheduled + sds * 1000 < now) {
      recorder.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString().replace('GMT', '+0000')}`);
      await writeStatus(cj, status);
      return requeue();
    }
    const name = jobNameFor(cj, scheduled);
    if (active.some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === Math.floor(scheduled / 1000) * 1000)) {
      await writeStatus(cj, status);
      return requeue();
    }
    if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      recorder.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      await writeStatus(cj, status);
      return requeue();
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const r of [...active]) {
        await deleteJob(cj, r.name ?? '');
        active = active.filter((x) => x !== r);
      }
      status.active = active;
    }
    const job = jobFromTemplate(cj, scheduled, name, zone);
    let created: Job;
    try {
      created = await client.create<Job>('jobs', job);
    } catch (e) {
      if (terminatingNamespace(e)) return;
      if (e instanceof ApiError && e.code === 409) {
        // Made already (by an earlier reconcile whose status write was lost): note the time and go on.
        status.lastScheduleTime = isoTime(scheduled);
        await writeStatus(cj, status);
        return requeue();
      }
      recorder.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorText(e)}`);
      await writeStatus(cj, status);
      throw e;
    }
    recorder.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    status.active = [...active, jobRef(created)];
    status.lastScheduleTime = isoTime(scheduled);
    await writeStatus(cj, status);
    requeue();
  };

  const writeStatus = async (cj: CronJob, status: CronJobStatus): Promise<void> => {
    if (deepEqual(status, cj.status ?? {})) return;
    const body = { ...status, active: status.active?.length ? status.active : null };
    await client.patch('cronjobs', cj.metadata.namespace, cj.metadata.name ?? '', 'merge', { status: body }, { subresource: 'status' });
  };

  const deleteJob = async (cj: CronJob, name: string): Promise<void> => {
    try {
      await client.delete('jobs', cj.metadata.namespace, name, { propagationPolicy: 'Background' });
      recorder.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (e) {
      if (isNotFound(e)) return;
      recorder.record(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorText(e)}`);
      throw e;
    }
  };

  /** successfulJobsHistoryLimit / failedJobsHistoryLimit: the oldest finished Jobs beyond them go. */
  const cleanupFinished = async (cj: CronJob, jobs: Job[]): Promise<void> => {
    const byAge = (a: Job, b: Job) => (jobFinishTime(a) ?? 0) - (jobFinishTime(b) ?? 0) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
    const limits: [('Complete' | 'Failed'), number | undefined][] = [['Complete', cj.spec.successfulJobsHistoryLimit], ['Failed', cj.spec.failedJobsHistoryLimit]];
    for (const [kind, limit] of limits) {
      if (limit === undefined || limit === null) continue;
      const done = jobs.filter((j) => jobFinished(j) === kind && !j.metadata.deletionTimestamp).sort(byAge);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await deleteJob(cj, j.metadata.name ?? '');
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['cronjobs', 'jobs']) });
  const cjKey = (c: CronJob) => objectKey(c.metadata.namespace, c.metadata.name ?? '');
  const ownerOf = (j: Job): string | undefined => {
    const ref = controllerRef(j);
    return ref?.kind === 'CronJob' ? objectKey(j.metadata.namespace, ref.name) : undefined;
  };
  cjInf.addHandlers({
    onAdd: (c) => loop.enqueue(cjKey(c)),
    onUpdate: (old, c) => {
      if (changedBeyondStatus(old, c)) loop.enqueue(cjKey(c));
    },
    onDelete: () => undefined,
  });
  jobInf.addHandlers({
    onAdd: (j) => {
      const k = ownerOf(j);
      if (k) loop.enqueue(k);
    },
    onUpdate: (old, j) => {
      const k = ownerOf(j);
      if (k && (jobFinished(old) !== jobFinished(j) || changedBeyondStatus(old, j))) loop.enqueue(k);
    },
    onDelete: (j) => {
      const k = ownerOf(j);
      if (k) loop.enqueue(k);
    },
  });
  return loop;
}

function jobRef(j: Job): ObjectReference {
  return { kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion };
}

/** getJobFromTemplate2: the template's metadata and spec, the scheduled time, a controller reference. */
export function jobFromTemplate(cj: CronJob, scheduled: number, name: string, zone: string): Job {
  const tmeta = cj.spec.jobTemplate.metadata ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...tmeta.labels },
      annotations: { ...tmeta.annotations, [SCHEDULED_TIMESTAMP]: rfc3339In(scheduled, zone) },
      ownerReferences: [newControllerRef(cj)],
    },
    spec: structuredClone(cj.spec.jobTemplate.spec),
  };
}
