import { ApiError } from '../../api/errors.js';
import { aggregate, applyLimitRangeDefaults, claimLimitViolations, podLimitViolations, type LimitRange } from '../../api/limitRange.js';
import type { KubeObject } from '../../api/types.js';
import type { ObjectReader } from '../objects.js';

/**
 * kube-apiserver's LimitRanger admission, over the namespace's LimitRanges (from the watch cache:
 * read them, never change them). Pods on create: defaults first (`admitLimitRangeDefaults`, with
 * the mutating plugins), bounds after validation (`checkLimitRanges`); claims on create and update:
 * bounds. A pod or claim out of bounds is refused with a 403, worded as upstream words it.
 */
async function rangesIn(objects: ObjectReader, namespace: string | undefined): Promise<readonly LimitRange[]> {
  return (await objects.list(`/registry/limitranges/${namespace ?? 'default'}/`)) as readonly LimitRange[];
}

/** Sets the Container items' default limits and requests on a pod's containers; true when it set any. */
export async function admitLimitRangeDefaults(objects: ObjectReader, pod: KubeObject): Promise<boolean> {
  const ranges = await rangesIn(objects, pod.metadata.namespace);
  return ranges.length > 0 && applyLimitRangeDefaults(pod, ranges);
}

/** Refuses a pod (`pods`) or claim (`persistentvolumeclaims`) outside the namespace's ranges. */
export async function checkLimitRanges(objects: ObjectReader, resource: 'pods' | 'persistentvolumeclaims', obj: KubeObject): Promise<void> {
  const ranges = await rangesIn(objects, obj.metadata.namespace);
  if (!ranges.length) return;
  const violations = resource === 'pods' ? podLimitViolations(obj, ranges) : claimLimitViolations(obj, ranges);
  if (violations.length) throw new ApiError(403, 'Forbidden', `${resource} "${obj.metadata.name ?? ''}" is forbidden: ${aggregate(violations)}`, { name: obj.metadata.name ?? '', kind: resource });
}
