import type { CronSchedule } from '../api/cron.js';
import type { CronJob } from '../api/types.js';

/** How many start times were missed: none, a few, or more than 100 (Kubernetes warns then). */
export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  /** Where the search for start times began. */
  earliest: number;
  /** The latest start time at or before now, if any. */
  mostRecent?: number;
  missed: Missed;
}

/** Kubernetes' nextScheduleDelta: wake a little after the start time so the schedule sees it as due. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/**
 * Kubernetes' mostRecentScheduleTime (cronjob controller v2): the latest scheduled time in
 * (earliest, now], where earliest is the last schedule (or the CronJob's creation) and, with
 * `includeDeadline`, no earlier than now - startingDeadlineSeconds. Only that latest time can start
 * a Job: older missed times are never run, so a clock jump (a laptop waking up) starts at most one.
 * Throws when two consecutive times are less than a second apart (an impossible schedule).
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: CronSchedule, includeDeadline: boolean): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
  if (Number.isNaN(earliest)) earliest = now;
  const sds = cj.spec.startingDeadlineSeconds;
  if (includeDeadline && sds !== undefined && sds !== null) {
    const deadline = now - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = schedule.next(earliest);
  if (t1 === undefined || now < t1) return { earliest, missed: 'none' };
  const t2 = schedule.next(t1);
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 'few' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.floor((now - t1) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  // Start one interval before the estimate and let the schedule step, for irregular schedules.
  let t = schedule.next(t1 + (missedCount - 2) * between * 1000);
  let mostRecent: number | undefined;
  for (let n = 0; t !== undefined && t <= now && n < 1_000_000; n++) {
    mostRecent = t;
    t = schedule.next(t);
  }
  return { earliest, ...(mostRecent !== undefined ? { mostRecent } : {}), missed: missedCount > 100 ? 'many' : 'few' };
}

/** Ms from now until the reconcile after the next start time (nextScheduleTimeDuration). */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: CronSchedule): number {
  let r: MostRecent;
  try {
    r = mostRecentScheduleTime(cj, now, schedule, false);
  } catch {
    return NEXT_SCHEDULE_DELTA_MS;
  }
  const from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : undefined);
  if (from === undefined) return NEXT_SCHEDULE_DELTA_MS;
  const next = schedule.next(from);
  if (next === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - now);
}

/** The Job's name for a start time: `<cronjob>-<minutes since the epoch>`, as Kubernetes names it. */
export function jobNameFor(cj: CronJob, scheduled: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
}

/** RFC 3339 of `t` in `timeZone` with its offset (the `cronjob-scheduled-timestamp` annotation). */
export function rfc3339In(t: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' }).formatToParts(new Date(t));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const off = get('timeZoneName').replace('GMT', '');
  // Go's RFC 3339 layout (Z07:00) writes a zero offset as Z, whatever the zone.
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${off === '' || off === '+00:00' ? 'Z' : off}`;
}
