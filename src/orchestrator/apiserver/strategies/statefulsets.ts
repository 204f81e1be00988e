import type { KubeObject } from '../../api/types.js';
import { podTemplateStrategy } from './pods.js';
import type { Strategy } from './types.js';

type RollingUpdate = { maxUnavailable?: unknown } | undefined;

function rollingUpdateOf(o: KubeObject | undefined): RollingUpdate {
  return ((o?.spec as { updateStrategy?: { rollingUpdate?: RollingUpdate } } | undefined)?.updateStrategy?.rollingUpdate ?? undefined) as RollingUpdate;
}

/**
 * StatefulSets (pkg/registry/apps/statefulset/strategy.go): `rollingUpdate.maxUnavailable` belongs
 * to the MaxUnavailableStatefulSet feature, alpha and off in Kubernetes 1.32, so the field is dropped
 * on write (as kube-apiserver drops disabled fields) unless the stored object already uses it. Its
 * pod template warns as every workload's does.
 */
export const statefulSetStrategy: Strategy = {
  ...podTemplateStrategy(),
  prepareForCreate(obj) {
    const ru = rollingUpdateOf(obj);
    if (ru) delete ru.maxUnavailable;
  },
  prepareForUpdate(next, current) {
    const ru = rollingUpdateOf(next);
    if (ru && rollingUpdateOf(current)?.maxUnavailable === undefined) delete ru.maxUnavailable;
  },
};
