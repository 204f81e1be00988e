import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, containersAndImages, formatSelector, humanDuration, int, list, o, str, type Printer } from './common.js';

/** kubectl's printers for CronJob, ReplicationController and ControllerRevision (pkg/printers/internalversion). */
export const cronJobPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  row(cj, now) {
    const spec = o(cj.spec);
    const status = o(cj.status);
    const jobSpec = o(o(spec.jobTemplate).spec);
    const last = Date.parse(str(status.lastScheduleTime));
    const [containers, images] = containersAndImages(jobSpec.template);
    return {
      cells: [
        cj.metadata.name,
        str(spec.schedule),
        typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
        spec.suspend === true ? 'True' : 'False',
        list(status.active).length,
        Number.isNaN(last) ? '<none>' : humanDuration(now - last),
        age(cj, now),
        containers,
        images,
        formatSelector(jobSpec.selector),
      ],
    };
  },
};

export const replicationControllerPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'Number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replication controller.', { type: 'integer' }),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'Selector is a label query over pods that should match the replica count.', { priority: 1 }),
  ],
  row(rc, now) {
    const spec = o(rc.spec);
    const status = o(rc.status);
    const [containers, images] = containersAndImages(spec.template);
    const selector = Object.entries(o(spec.selector)).map(([k, v]) => `${k}=${String(v)}`).sort().join(',');
    return { cells: [rc.metadata.name, typeof spec.replicas === 'number' ? spec.replicas : 1, int(status.replicas), int(status.readyReplicas), age(rc, now), containers, images, selector] };
  },
};

export const controllerRevisionPrinter: Printer = {
  columns: [NAME_COLUMN, col('Controller', 'Controller of the object.'), col('Revision', 'Revision indicates the revision of the state represented by Data.', { type: 'integer' }), AGE_COLUMN],
  row(cr: KubeObject, now) {
    const ref = (cr.metadata.ownerReferences ?? []).find((r) => r.controller);
    const group = ref ? (ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '') : '';
    const controller = ref ? `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}` : '<none>';
    return { cells: [cr.metadata.name, controller, int((cr as { revision?: unknown }).revision), age(cr, now)] };
  },
};
