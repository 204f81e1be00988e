import { isConflict, isNotFound } from '../api/errors.js';
import { isJsonPatchTestFailure } from '../api/patch/index.js';
import type { JobStatus, Pod } from '../api/types.js';
import type { Client } from '../client/types.js';

/** The finalizer the Job controller puts on its pods so that none is lost from the counts. */
export const JOB_TRACKING = 'batch.kubernetes.io/job-tracking';

export const tracked = (p: Pod): boolean => p.metadata.finalizers?.includes(JOB_TRACKING) === true;

/** `status.uncountedTerminatedPods` as Kubernetes writes it: `{}` when empty, UIDs sorted. */
export function uncountedStatus(u: { succeeded: Set<string>; failed: Set<string> }): NonNullable<JobStatus['uncountedTerminatedPods']> {
  const out: NonNullable<JobStatus['uncountedTerminatedPods']> = {};
  if (u.succeeded.size) out.succeeded = [...u.succeeded].sort();
  if (u.failed.size) out.failed = [...u.failed].sort();
  return out;
}

/**
 * Removes the job-tracking finalizer from each pod (a JSON patch that tests the list first, so a
 * concurrent change is never overwritten) and answers the UIDs it no longer holds: removed now, or
 * the pod already gone. A pod that changed meanwhile keeps it until the next pass.
 */
export async function removeTrackingFinalizers(client: Client, pods: readonly Pod[]): Promise<Set<string>> {
  const released = new Set<string>();
  await Promise.all(pods.map(async (p) => {
    const list = p.metadata.finalizers ?? [];
    if (!list.includes(JOB_TRACKING)) return;
    const ops = [
      { op: 'test', path: '/metadata/uid', value: p.metadata.uid },
      { op: 'test', path: '/metadata/finalizers', value: list },
      { op: 'replace', path: '/metadata/finalizers', value: list.filter((f) => f !== JOB_TRACKING) },
    ];
    try {
      await client.patch('pods', p.metadata.namespace, p.metadata.name ?? '', 'json', ops);
      released.add(p.metadata.uid ?? '');
    } catch (e) {
      if (isNotFound(e)) released.add(p.metadata.uid ?? '');
      // A failed test (the pod changed meanwhile) is refused: the next sync sees the new pod.
      else if (!isConflict(e) && !isJsonPatchTestFailure(e)) throw e;
    }
  }));
  return released;
}

/**
 * A deleted pod that never reached a terminal phase and never will: deleted with grace 0 (its node
 * is gone, or `--force`). It counts as failed, as Kubernetes' pod GC marks such pods Failed. A pod
 * its agent stops gets its terminal phase from the agent before the final delete.
 */
export function deletedUnfinished(p: Pod): boolean {
  const phase = p.status?.phase;
  return !!p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed' && (p.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}
