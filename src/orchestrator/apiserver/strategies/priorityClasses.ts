import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { ObjectReader } from '../objects.js';
import type { Strategy } from './types.js';

/** The classes every cluster has (kube-apiserver creates them at start). */
export const SYSTEM_PRIORITY_CLASSES: readonly KubeObject[] = [
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' }, value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' } as KubeObject,
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' }, value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' } as KubeObject,
];

type PriorityClass = KubeObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };

/** Every class, from the watch cache (read them, never change them). */
async function classes(objects: ObjectReader): Promise<readonly PriorityClass[]> {
  return (await objects.list('/registry/priorityclasses/')) as readonly PriorityClass[];
}

/**
 * PriorityClasses: one `globalDefault` at most (the Priority admission plugin's rule), the system
 * classes cannot be deleted, and `value` never changes (validation).
 */
export function priorityClassStrategy(objects: ObjectReader): Strategy {
  return {
    async admit(obj, current) {
      const pc = obj as PriorityClass;
      if (!pc.globalDefault || (current as PriorityClass | undefined)?.globalDefault) return;
      const other = (await classes(objects)).find((c) => c.globalDefault && c.metadata.name !== pc.metadata.name);
      if (other) {
        throw errors.invalid({ group: 'scheduling.k8s.io', resource: 'priorityclasses', kind: 'PriorityClass' }, pc.metadata.name ?? '', [
          { reason: 'FieldValueInvalid', message: `Invalid value: true: PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`, field: 'globalDefault' },
        ]);
      }
    },
    admitDelete(obj) {
      if (SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === obj.metadata.name)) {
        throw new ApiError(403, 'Forbidden', `priorityclasses.scheduling.k8s.io "${obj.metadata.name}" is forbidden: deleting system priority classes is not allowed`);
      }
    },
  };
}

/**
 * The Priority admission plugin, for pods on create: `priorityClassName` resolves to
 * `spec.priority` (and `preemptionPolicy`); without one, the global default class (else 0). An
 * unknown class, or a `priority` that disagrees with the class, is refused as upstream words it.
 */
export async function admitPodPriority(objects: ObjectReader, pod: KubeObject): Promise<void> {
  const spec = pod.spec as { priorityClassName?: string; priority?: number; preemptionPolicy?: string } | undefined;
  if (!spec) return;
  const all = await classes(objects);
  let pc: PriorityClass | undefined;
  if (spec.priorityClassName) {
    pc = all.find((c) => c.metadata.name === spec.priorityClassName);
    if (!pc) throw new ApiError(403, 'Forbidden', `pods "${pod.metadata.name ?? ''}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`);
  } else {
    pc = all.find((c) => c.globalDefault);
  }
  const value = pc?.value ?? 0;
  if (spec.priority !== undefined && spec.priority !== value) {
    throw new ApiError(403, 'Forbidden', `pods "${pod.metadata.name ?? ''}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
  }
  spec.priority = value;
  if (pc && spec.priorityClassName === undefined) spec.priorityClassName = pc.metadata.name;
  spec.preemptionPolicy = pc?.preemptionPolicy ?? spec.preemptionPolicy ?? 'PreemptLowerPriority';
}
