import { isNotFound } from '../api/errors.js';
import { objectKey, splitKey } from '../api/resources.js';
import { selectorMatches } from '../api/selectors.js';
import type { Job, JobCondition, JobStatus, Pod } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { Expectations } from './expectations.js';
import { claim } from './ownership.js';
import { changedBeyondStatus, controllerRef, deepEqual, isPodReady } from '../api/podutil.js';
import { InvalidSpec, runLoop, type ControllerLoop } from '../client/runner.js';
import { errorText, ownedPodHandlers, podFromTemplate, terminatingNamespace } from './podcontrol.js';
import { COMPLETION_INDEX, formatIndexes, IndexFailures, matchSuccessPolicy, isJobPodFailed, isJobPodSucceeded, jobFinished, jobFinishTime, matchPodFailurePolicy, parseIndexes, podFinishTime, podIndex, remainingBackoff, withCondition } from './jobutil.js';
import { deletedUnfinished, JOB_TRACKING, removeTrackingFinalizers, tracked, uncountedStatus } from './jobtracking.js';

const COMPONENT = 'job-controller';
const MANAGED_BY = 'kubernetes.io/job-controller';
const BURST = 500;
/** Queue keys of pods that carry the job-tracking finalizer but belong to no Job (`:` is in no object key). */
const ORPHAN = 'orphan:';

/** The outcome a reconcile reached: the Job's final condition, or none (it goes on). */
interface Verdict {
  type: 'Complete' | 'Failed';
  reason: string;
  message: string;
}

/**
 * Job -> Pods (Kubernetes' job controller and ttl-after-finished controller). Runs up to
 * `parallelism` pods until `completions` succeed (NonIndexed: any pods; Indexed: one per index
 * 0..completions-1, each with its index in an annotation, a label, `JOB_COMPLETION_INDEX` and the
 * hostname `<job>-<index>`; `successPolicy` may complete it early). Failed pods are matched against `podFailurePolicy` (FailJob, Ignore,
 * Count, FailIndex) and counted against `backoffLimit` (or `backoffLimitPerIndex`, with
 * `maxFailedIndexes`); container restarts of `OnFailure` pods count too. Replacements wait the pod
 * failure back-off (10s doubling, at most 10 minutes). `activeDeadlineSeconds` fails the Job,
 * `suspend` deletes its pods and resumes later, and `ttlSecondsAfterFinished` deletes a finished
 * Job. Counts are kept as Kubernetes keeps them, with the `batch.kubernetes.io/job-tracking`
 * finalizer on every pod the Job creates: a finished pod is first recorded in
 * `status.uncountedTerminatedPods` (or, Indexed, in `completedIndexes`), then its finalizer is
 * removed, then it moves into `succeeded`/`failed`; so a pod deleted early is never lost from the
 * counts nor counted twice. `FailureTarget`/`SuccessCriteriaMet` come first; `Failed`/`Complete`
 * once every pod is accounted for. A deleted Job, or an orphaned pod, has its pods' finalizers removed.
 */
export function startJobController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const jobInf = informers.get<Job>('jobs');
  const podInf = informers.get<Pod>('pods');
  const exp = new Expectations(clock);

  const reconcile = async (key: string): Promise<void> => {
    const job = jobInf.get(key);
    if (!job) {
      exp.forget(key);
      // The Job is gone: nothing will count its pods any more, so nothing may hold them.
      await removeTrackingFinalizers(client, podInf.byIndex('namespace', splitKey(key).namespace ?? '').filter((p) => ownerOf(p) === key && tracked(p)));
      return;
    }
    if (job.spec.managedBy !== undefined && job.spec.managedBy !== MANAGED_BY) return;
    const ns = job.metadata.namespace ?? '';
    const candidates = podInf.byIndex('namespace', ns);
    const pods = await claim({ client, log, resource: 'pods', owner: job, ownerResource: 'jobs', candidates, selects: (p) => selectorMatches(job.spec.selector, p.metadata.labels) });
    const now = clock.now();
    const nowIso = isoTime(now);
    const status: JobStatus = structuredClone(job.status ?? {});
    const failedPod = (p: Pod) => isJobPodFailed(p) || deletedUnfinished(p);
    const active = pods.filter((p) => !p.metadata.deletionTimestamp && !failedPod(p) && !isJobPodSucceeded(p));
    const terminating = pods.filter((p) => p.metadata.deletionTimestamp && !failedPod(p) && !isJobPodSucceeded(p));
    const succeeded = pods.filter(isJobPodSucceeded);
    const uncounted = { succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods?.failed ?? []) };
    const indexed = job.spec.completionMode === 'Indexed';
    const completions = job.spec.completions ?? undefined;
    const parallelism = job.spec.parallelism ?? 1;
    const perIndexLimit = indexed ? job.spec.backoffLimitPerIndex : undefined;

    // Failed pods, through the pod failure policy.
    // A verdict already reached (FailureTarget / SuccessCriteriaMet) stands while its pods are accounted for.
    const interim = status.conditions?.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
    let verdict: Verdict | undefined = interim && !jobFinished(job) ? { type: interim.type === 'FailureTarget' ? 'Failed' : 'Complete', reason: interim.reason ?? '', message: interim.message ?? '' } : undefined;
    const counted: Pod[] = [];
    const indexFailures = new IndexFailures();
    const failedIndexes = new Set<number>();
    const ignored = new Set<string>();
    for (const p of pods.filter(failedPod)) {
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy?.rules ?? [], p);
      if (m?.action === 'Ignore') {
        ignored.add(p.metadata.uid ?? '');
        const i = podIndex(p);
        if (i !== undefined && perIndexLimit !== undefined) indexFailures.add(i, p, true);
        continue;
      }
      if (m?.action === 'FailJob') verdict ??= { type: 'Failed', reason: 'PodFailurePolicy', message: m.message };
      counted.push(p);
      // A finished pod still holding the finalizer is recorded before the finalizer goes.
      if (tracked(p) && !uncounted.succeeded.has(p.metadata.uid ?? '')) uncounted.failed.add(p.metadata.uid ?? '');
      const i = podIndex(p);
      if (i === undefined || perIndexLimit === undefined) continue;
      indexFailures.add(i, p, false);
      if (m?.action === 'FailIndex' || indexFailures.failures(i) > perIndexLimit) failedIndexes.add(i);
    }
    const restarts = job.spec.template.spec.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0), 0) : 0;
    const completedIndexes = indexed ? parseIndexes(status.completedIndexes) : new Set<number>();
    for (const p of succeeded) {
      const uid = p.metadata.uid ?? '';
      if (!tracked(p) || uncounted.failed.has(uid)) continue;
      const i = podIndex(p);
      if (!indexed) uncounted.succeeded.add(uid);
      else if (i !== undefined && i < (completions ?? 0) && !failedIndexes.has(i)) completedIndexes.add(i);
    }
    for (const i of failedIndexes) completedIndexes.delete(i);
    const succeededCount = indexed ? completedIndexes.size : (status.succeeded ?? 0) + uncounted.succeeded.size;
    const failedCount = (status.failed ?? 0) + uncounted.failed.size;

    let finished = jobFinished(job);
    const suspended = job.spec.suspend === true;
    if (!finished && !suspended && !status.startTime) status.startTime = nowIso;
    if (!finished && !job.metadata.deletionTimestamp) {
      if (!verdict && job.spec.maxFailedIndexes !== undefined && perIndexLimit !== undefined && failedIndexes.size > job.spec.maxFailedIndexes) {
        verdict = { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
      }
      if (!verdict && perIndexLimit === undefined && failedCount + restarts > (job.spec.backoffLimit ?? 6)) {
        verdict = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      }
      const ads = job.spec.activeDeadlineSeconds;
      const started = Date.parse(status.startTime ?? '');
      if (!verdict && ads !== undefined && !suspended && !Number.isNaN(started)) {
        const left = started + ads * 1000 - now;
        if (left <= 0) verdict = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
        else loop.enqueueAfter(key, left);
      }
      if (!verdict && indexed) {
        const i = matchSuccessPolicy(job.spec.successPolicy?.rules ?? [], completedIndexes);
        if (i !== undefined) verdict = { type: 'Complete', reason: 'SuccessPolicy', message: `Matched rules at index ${i}` };
      }
      if (!verdict) {
        if (indexed && completions !== undefined && completedIndexes.size + failedIndexes.size >= completions) {
          verdict = failedIndexes.size ? { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' } : { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
        } else if (!indexed && completions !== undefined && succeededCount >= completions) {
          verdict = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
        } else if (!indexed && completions === undefined && succeededCount > 0 && active.length === 0) {
          verdict = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
        }
      }
    }

    let conditions: JobCondition[] | undefined = status.conditions;
    let failure: unknown;
    const ending = finished || verdict?.type;
    if (verdict && !finished) {
      conditions = withCondition(conditions, { type: verdict.type === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet', status: 'True', reason: verdict.reason, message: verdict.message }, nowIso);
    }
    if (ending) {
      await deletePods(job, key, active, false);
    } else if (!job.metadata.deletionTimestamp) {
      const wasSuspended = job.status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'True') === true;
      if (suspended) {
        if (!wasSuspended) {
          conditions = withCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, nowIso);
          recorder.record(job, 'Normal', 'Suspended', 'Job suspended');
        }
        await deletePods(job, key, active, false);
      } else {
        if (wasSuspended) {
          conditions = withCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, nowIso);
          recorder.record(job, 'Normal', 'Resumed', 'Job resumed');
          status.startTime = nowIso;
        }
        if (exp.satisfied(key)) {
          try {
            const lastSuccess = Math.max(0, ...succeeded.map((p) => podFinishTime(p) ?? 0));
            const sinceSuccess = counted.filter((p) => (podFinishTime(p) ?? now) > lastSuccess);
            const lastFailure = sinceSuccess.length ? Math.max(...sinceSuccess.map((p) => podFinishTime(p) ?? now)) : undefined;
            // podReplacementPolicy Failed: a terminating pod still holds its place until it has stopped.
            const holding = job.spec.podReplacementPolicy === 'Failed' ? [...active, ...terminating] : active;
            // With backoffLimitPerIndex the back-off is per index (managePods), else per Job.
            const backoffMs = perIndexLimit === undefined ? remainingBackoff(sinceSuccess.length, lastFailure, now) : 0;
            await managePods(job, key, holding, { completedIndexes, failedIndexes, succeededCount, parallelism, backoffMs, indexFailures: perIndexLimit === undefined ? undefined : indexFailures, now });
          } catch (e) {
            failure = e;
          }
        }
      }
    }

    // Job tracking: which pods may lose the finalizer now, recorded as uncounted first.
    const releasing = pods.filter((p) => tracked(p) && (isJobPodSucceeded(p) || failedPod(p) || ending !== undefined || job.metadata.deletionTimestamp));
    if (ending === 'Failed') {
      // A failed Job's pods that had not finished count as failed, as on Kubernetes.
      for (const p of releasing) if (!isJobPodSucceeded(p) && !ignored.has(p.metadata.uid ?? '')) uncounted.failed.add(p.metadata.uid ?? '');
    }
    status.active = ending ? 0 : active.length;
    status.ready = ending ? 0 : active.filter(isPodReady).length;
    status.terminating = terminating.length;
    if (indexed) status.completedIndexes = formatIndexes(completedIndexes);
    if (perIndexLimit !== undefined) status.failedIndexes = formatIndexes(failedIndexes);
    if (indexed) status.succeeded = succeededCount;
    if (conditions) status.conditions = conditions;
    status.succeeded ??= 0;
    status.failed ??= 0;
    status.uncountedTerminatedPods = uncountedStatus(uncounted);
    let written: JobStatus = job.status ?? {};
    const write = async (): Promise<void> => {
      if (deepEqual(status, written)) return;
      // A merge patch keeps keys it does not name: an emptied list is sent as null.
      const u = status.uncountedTerminatedPods ?? {};
      await client.patch('jobs', ns, job.metadata.name ?? '', 'merge', { status: { ...status, uncountedTerminatedPods: { succeeded: u.succeeded ?? null, failed: u.failed ?? null } } }, { subresource: 'status' });
      written = structuredClone(status);
    };
    if (releasing.length) {
      await write();
      const released = await removeTrackingFinalizers(client, releasing);
      // Recorded and released (or gone): into the counters.
      const present = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
      const done = (uid: string) => released.has(uid) || !present.has(uid) || !tracked(present.get(uid) as Pod);
      for (const uid of [...uncounted.succeeded].filter(done)) {
        uncounted.succeeded.delete(uid);
        if (!indexed) status.succeeded++;
      }
      for (const uid of [...uncounted.failed].filter(done)) {
        uncounted.failed.delete(uid);
        status.failed++;
      }
      status.uncountedTerminatedPods = uncountedStatus(uncounted);
      const holding = pods.filter((p) => tracked(p) && !released.has(p.metadata.uid ?? '')).length;
      if (ending && !finished && !uncounted.succeeded.size && !uncounted.failed.size && !holding) finished = ending;
    } else if (ending && !finished && !uncounted.succeeded.size && !uncounted.failed.size) finished = ending;
    if (verdict && finished === verdict.type && !jobFinished(job)) {
      status.conditions = withCondition(status.conditions, { type: verdict.type, status: 'True', reason: verdict.reason, message: verdict.message }, nowIso);
      if (verdict.type === 'Complete') {
        status.completionTime = nowIso;
        recorder.record(job, 'Normal', 'Completed', 'Job completed');
      } else recorder.record(job, 'Warning', verdict.reason, verdict.message);
    }
    await write();
    if (failure) throw failure;
    if (finished) await expire(job, key, status);
  };

  /** ttlSecondsAfterFinished: the finished Job (and, by the garbage collector, its pods) goes. */
  const expire = async (job: Job, key: string, status: JobStatus): Promise<void> => {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || job.metadata.deletionTimestamp) return;
    const done = jobFinishTime({ ...job, status }) ?? clock.now();
    const left = done + ttl * 1000 - clock.now();
    if (left > 0) {
      loop.enqueueAfter(key, left);
      return;
    }
    try {
      await client.delete('jobs', job.metadata.namespace, job.metadata.name ?? '', { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  interface Plan {
    completedIndexes: Set<number>;
    failedIndexes: Set<number>;
    succeededCount: number;
    parallelism: number;
    backoffMs: number;
    /** With backoffLimitPerIndex: each index's failures (annotations of its next pod, its own back-off). */
    indexFailures?: IndexFailures;
    now: number;
  }

  const managePods = async (job: Job, key: string, active: Pod[], plan: Plan): Promise<void> => {
    const completions = job.spec.completions ?? undefined;
    let toCreate: (number | undefined)[] = [];
    let extra: Pod[] = [];
    if (job.spec.completionMode === 'Indexed') {
      const seen = new Set<number>();
      for (const p of active) {
        const i = podIndex(p);
        // A pod without a valid index, a duplicate, or an index already done: not wanted.
        if (i === undefined || i >= (completions ?? 0) || seen.has(i) || plan.completedIndexes.has(i) || plan.failedIndexes.has(i)) extra.push(p);
        else seen.add(i);
      }
      const pending: number[] = [];
      let wait: number | undefined;
      // Bounded by BURST: a huge completions/parallelism must not hold the event loop or allocate it all.
      for (let i = 0; i < (completions ?? 0) && pending.length < Math.min(plan.parallelism, BURST); i++) {
        if (seen.has(i) || plan.completedIndexes.has(i) || plan.failedIndexes.has(i)) continue;
        const left = plan.indexFailures?.remainingBackoff(i, plan.now) ?? 0;
        if (left > 0) wait = Math.min(wait ?? left, left);
        else pending.push(i);
      }
      if (wait !== undefined) loop.enqueueAfter(key, wait);
      const room = Math.max(0, plan.parallelism - seen.size);
      toCreate = pending.slice(0, room);
      if (seen.size > plan.parallelism) extra.push(...active.filter((p) => !extra.includes(p)).slice(plan.parallelism));
    } else {
      // Work queue (no completions): after a first success, what runs finishes but nothing new starts.
      const want = completions === undefined ? (plan.succeededCount > 0 ? Math.min(active.length, plan.parallelism) : plan.parallelism) : Math.max(0, Math.min(plan.parallelism, completions - plan.succeededCount));
      if (active.length > want) extra = [...active].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')).slice(0, active.length - want);
      else toCreate = Array.from({ length: Math.min(want - active.length, BURST) }, () => undefined);
    }
    if (extra.length) await deletePods(job, key, extra.filter((p) => !p.metadata.deletionTimestamp), true);
    if (!toCreate.length) return;
    if (plan.backoffMs > 0) {
      loop.enqueueAfter(key, plan.backoffMs);
      return;
    }
    toCreate = toCreate.slice(0, BURST);
    exp.expectAdds(key, toCreate.length);
    const results = await Promise.allSettled(toCreate.map((i) => createPod(job, i, i === undefined ? undefined : plan.indexFailures?.annotations(i))));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (let n = 0; n < failed.length; n++) exp.observeAdd(key);
    const err = failed[0]?.reason;
    if (err === undefined || terminatingNamespace(err)) return;
    recorder.record(job, 'Warning', 'FailedCreate', `Error creating: ${errorText(err)}`);
    throw err;
  };

  const createPod = async (job: Job, index: number | undefined, failureCounts?: Record<string, string>): Promise<void> => {
    const name = job.metadata.name ?? '';
    const pod = podFromTemplate(job.spec.template, job, { generateName: index === undefined ? `${name}-` : `${name}-${index}-` });
    if (index !== undefined) {
      pod.metadata.annotations = { ...pod.metadata.annotations, ...failureCounts, [COMPLETION_INDEX]: String(index) };
      pod.metadata.labels = { ...pod.metadata.labels, [COMPLETION_INDEX]: String(index) };
      pod.spec.hostname ??= `${name}-${index}`;
      const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
      for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) c.env = [...(c.env ?? []).filter((e) => e.name !== 'JOB_COMPLETION_INDEX'), env];
    }
    pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING), JOB_TRACKING];
    const created = await client.create('pods', pod);
    recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
  };

  const deletePods = async (job: Job, key: string, victims: Pod[], expect: boolean): Promise<void> => {
    const live = victims.filter((p) => !p.metadata.deletionTimestamp);
    if (!live.length) return;
    const keys = live.map((p) => objectKey(p.metadata.namespace, p.metadata.name ?? ''));
    if (expect) exp.expectDeletes(key, keys);
    const results = await Promise.allSettled(live.map((p) => client.delete('pods', p.metadata.namespace, p.metadata.name ?? '')));
    let first: unknown;
    results.forEach((r, i) => {
      const pod = live[i] as Pod;
      if (r.status === 'fulfilled') return recorder.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      if (expect) exp.observeDelete(key, keys[i] as string);
      if (isNotFound(r.reason)) return;
      first ??= r.reason;
      recorder.record(job, 'Warning', 'FailedDelete', `Error deleting: ${errorText(r.reason)}`);
    });
    if (first) throw first;
  };

  const loop = runLoop(COMPONENT, async (key) => {
    if (key.startsWith(ORPHAN)) {
      // No Job owns it any more (orphaned by a delete, or released): nothing will count it.
      const pod = podInf.get(key.slice(ORPHAN.length));
      if (pod && tracked(pod) && !ownerOf(pod)) await removeTrackingFinalizers(client, [pod]);
      return;
    }
    const job = jobInf.get(key);
    if (job && !job.spec.selector) throw new InvalidSpec('no selector');
    await reconcile(key);
  }, { clock, log, ready: informers.waitForSync(['jobs', 'pods']) });

  const jobKey = (j: Job) => objectKey(j.metadata.namespace, j.metadata.name ?? '');
  const ownerOf = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    return ref?.kind === 'Job' ? objectKey(pod.metadata.namespace, ref.name) : undefined;
  };
  jobInf.addHandlers({
    onAdd: (j) => loop.enqueue(jobKey(j)),
    onUpdate: (old, j) => {
      if (changedBeyondStatus(old, j) || !deepEqual(old.status?.conditions, j.status?.conditions)) loop.enqueue(jobKey(j));
    },
    onDelete: (j) => loop.enqueue(jobKey(j)),
  });
  podInf.addHandlers(ownedPodHandlers({ owners: (pod) => [ownerOf(pod)].filter((k): k is string => !!k), exp, enqueue: (k) => loop.enqueue(k) }));
  const orphaned = (pod: Pod) => {
    if (tracked(pod) && !ownerOf(pod)) loop.enqueue(ORPHAN + objectKey(pod.metadata.namespace, pod.metadata.name ?? ''));
  };
  podInf.addHandlers({ onAdd: orphaned, onUpdate: (_old, pod) => orphaned(pod) });
  return loop;
}
