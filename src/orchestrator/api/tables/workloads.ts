import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, containersAndImages, formatLabels, formatSelector, humanDuration, int, list, o, str, type Printer } from './common.js';

const CONTAINERS = col('Containers', 'Names of each container in the template.', { priority: 1 });
const IMAGES = col('Images', 'Images referenced by each container in the template.', { priority: 1 });
const SELECTOR = col('Selector', 'Selector is a label query over pods that should match the replica count.', { priority: 1 });

function wide(obj: KubeObject): [string, string, string] {
  const spec = o(obj.spec);
  const [containers, images] = containersAndImages(spec.template);
  return [containers, images, formatSelector(spec.selector)];
}

/** `spec.replicas` with the server default (1) when unset. */
function desired(spec: Record<string, unknown>): number {
  return typeof spec.replicas === 'number' ? spec.replicas : 1;
}

export const deploymentPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(d, now) {
    const spec = o(d.spec);
    const status = o(d.status);
    return {
      cells: [d.metadata.name, `${int(status.readyReplicas)}/${desired(spec)}`, int(status.updatedReplicas), int(status.availableReplicas), age(d, now), ...wide(d)],
    };
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(rs, now) {
    const spec = o(rs.spec);
    const status = o(rs.status);
    return { cells: [rs.metadata.name, desired(spec), int(status.replicas), int(status.readyReplicas), age(rs, now), ...wide(rs)] };
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'The total number of nodes that should be running the daemon pod.', { type: 'integer' }),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    col('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { type: 'integer' }),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.', { type: 'integer' }),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(ds, now) {
    const s = o(ds.status);
    const nodeSelector = formatLabels(o(o(o(ds.spec).template).spec).nodeSelector);
    return {
      cells: [
        ds.metadata.name,
        int(s.desiredNumberScheduled),
        int(s.currentNumberScheduled),
        int(s.numberReady),
        int(s.updatedNumberScheduled),
        int(s.numberAvailable),
        nodeSelector,
        age(ds, now),
        ...wide(ds),
      ],
    };
  },
};

export const statefulSetPrinter: Printer = {
  columns: [NAME_COLUMN, col('Ready', 'Number of the pod with ready state'), AGE_COLUMN, CONTAINERS, IMAGES],
  row(sts, now) {
    const spec = o(sts.spec);
    const [containers, images] = containersAndImages(spec.template);
    return { cells: [sts.metadata.name, `${int(o(sts.status).readyReplicas)}/${desired(spec)}`, age(sts, now), containers, images] };
  },
};

function hasCondition(status: Record<string, unknown>, type: string): boolean {
  return list(status.conditions).some((c) => c.type === type && c.status === 'True');
}

export const jobPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Status of the job.'),
    col('Completions', 'The desired number of successfully finished pods the job should be run with.'),
    col('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(job, now) {
    const spec = o(job.spec);
    const status = o(job.status);
    const succeeded = int(status.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`;
    else completions = int(spec.parallelism) > 1 ? `${succeeded}/1 of ${int(spec.parallelism)}` : `${succeeded}/1`;
    const start = Date.parse(str(status.startTime));
    const end = Date.parse(str(status.completionTime));
    const duration = Number.isNaN(start) ? '' : humanDuration((Number.isNaN(end) ? now : end) - start);
    let state = 'Running';
    if (hasCondition(status, 'Complete')) state = 'Complete';
    else if (hasCondition(status, 'Failed')) state = 'Failed';
    else if (job.metadata.deletionTimestamp) state = 'Terminating';
    else if (hasCondition(status, 'Suspended')) state = 'Suspended';
    else if (hasCondition(status, 'FailureTarget')) state = 'FailureTarget';
    else if (hasCondition(status, 'SuccessCriteriaMet')) state = 'SuccessCriteriaMet';
    return { cells: [job.metadata.name, state, completions, duration, age(job, now), ...wide(job)] };
  },
};

function metricTarget(t: Record<string, unknown>): string {
  if (t.type === 'Utilization') return `${int(t.averageUtilization)}%`;
  return str(t.type === 'AverageValue' ? t.averageValue : t.value);
}

function metricCurrent(c: Record<string, unknown> | undefined, targetType: unknown): string {
  if (!c) return '<unknown>';
  if (targetType === 'Utilization') return typeof c.averageUtilization === 'number' ? `${c.averageUtilization}%` : '<unknown>';
  const v = targetType === 'AverageValue' ? c.averageValue : c.value;
  return v === undefined ? '<unknown>' : str(v);
}

/** kubectl's TARGETS column (1.32: `cpu: 45%/50%`, `memory: 10Mi/64Mi`, `+ N more...` past two). */
function hpaTargets(hpa: KubeObject): string {
  const specs = list(o(hpa.spec).metrics);
  const statuses = list(o(hpa.status).currentMetrics);
  if (specs.length === 0) return '<none>';
  const parts = specs.map((raw, i) => {
    const m = o(raw);
    const key = m.type === 'ContainerResource' ? 'containerResource' : String(m.type ?? '').toLowerCase();
    const src = o(m[key]);
    const t = o(src.target);
    const st = o(o(statuses[i])[key]);
    const name = m.type === 'Resource' || m.type === 'ContainerResource' ? str(src.name) : str(o(src.metric).name);
    const current = statuses[i] ? metricCurrent(o(st.current), t.type) : '<unknown>';
    return `${m.type === 'ContainerResource' ? `${name} of container "${str(src.container)}"` : name}: ${current}/${metricTarget(t)}`;
  });
  return parts.length > 2 ? `${parts.slice(0, 2).join(', ')} + ${parts.length - 2} more...` : parts.join(', ');
}

export const hpaPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Reference', 'The reference to the target that autoscaler is scaling.'),
    col('Targets', 'The metric targets and current values.'),
    col('MinPods', 'Lower limit for the number of pods that can be set by the autoscaler, default 1.'),
    col('MaxPods', 'Upper limit for the number of pods that can be set by the autoscaler.'),
    col('Replicas', 'Current number of replicas of pods managed by this autoscaler.'),
    AGE_COLUMN,
  ],
  row(h, now) {
    const spec = o(h.spec);
    const ref = o(spec.scaleTargetRef);
    return {
      cells: [h.metadata.name, `${str(ref.kind)}/${str(ref.name)}`, hpaTargets(h), typeof spec.minReplicas === 'number' ? spec.minReplicas : '<unset>', int(spec.maxReplicas), int(o(h.status).currentReplicas), age(h, now)],
    };
  },
};
