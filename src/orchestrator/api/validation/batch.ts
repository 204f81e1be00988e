import { CronError, parseSchedule, validateTimeZoneName } from '../cron.js';
import type { KubeObject, StatusCause } from '../types.js';
import { asNum, asObj, asStr, enumOf, goStringMap, invalid, nonNegative, notSupported, required, type Obj } from './causes.js';
import { validateLabels } from './meta.js';
import { validatePodSpec } from './pod.js';
import { validateJob } from './workloads.js';

/** validateJob on a CronJob's `jobTemplate.spec`, reported under that path (no selector: the Job made from it generates one). */
function validateJobTemplate(spec: Obj): StatusCause[] {
  const causes = validateJob({ apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: { ...spec, manualSelector: undefined } });
  return causes.map((c) => ({ ...c, field: c.field?.replace(/^spec\./, 'spec.jobTemplate.spec.') }));
}

/** ValidateCronJobSpec: the schedule as robfig's ParseStandard reads it, timeZone, policies, limits. */
export function validateCronJob(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes: StatusCause[] = [];
  const schedule = asStr(spec.schedule);
  if (!schedule) causes.push(required('spec.schedule'));
  else if (/^(CRON_)?TZ=/.test(schedule) || /\s(CRON_)?TZ=/.test(schedule)) {
    causes.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  } else {
    try {
      parseSchedule(schedule, 'UTC');
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      causes.push(invalid('spec.schedule', schedule, e.message));
    }
  }
  const tz = asStr(spec.timeZone);
  if (tz !== undefined) for (const m of validateTimeZoneName(tz)) causes.push(invalid('spec.timeZone', tz, m));
  causes.push(...enumOf('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  if (spec.concurrencyPolicy === '') causes.push(notSupported('spec.concurrencyPolicy', '', ['Allow', 'Forbid', 'Replace']));
  causes.push(...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  causes.push(...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit));
  causes.push(...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
  const jt = asObj(spec.jobTemplate);
  if (!jt) causes.push(required('spec.jobTemplate'));
  else causes.push(...validateJobTemplate(asObj(jt.spec) ?? {}));
  return causes;
}

/** ValidateReplicationControllerSpec: a non-empty label-map selector the template's labels match. */
export function validateReplicationController(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes: StatusCause[] = [...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds)];
  const selector = asObj(spec.selector) ?? {};
  if (Object.keys(selector).length === 0) causes.push(required('spec.selector'));
  causes.push(...validateLabels('spec.selector', selector));
  const template = asObj(spec.template);
  if (!template) {
    causes.push(required('spec.template'));
    return causes;
  }
  const labels = asObj(asObj(template.metadata)?.labels) ?? {};
  causes.push(...validateLabels('spec.template.metadata.labels', labels));
  if (Object.keys(selector).length && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
  }
  const podSpec = asObj(template.spec) ?? {};
  causes.push(...validatePodSpec(podSpec, 'spec.template.spec'));
  causes.push(...enumOf('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']));
  if (asNum(podSpec.activeDeadlineSeconds) !== undefined) causes.push(invalid('spec.template.spec.activeDeadlineSeconds', podSpec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  return causes;
}
