import { errors } from '../../api/errors.js';
import { resourceType } from '../../api/resources.js';
import { isoTime } from '../../util/clock.js';
import type { Condition, KubeObject } from '../../api/types.js';
import type { Registry } from '../registry.js';

type BindablePod = KubeObject & { spec: { nodeName?: string; schedulingGates?: unknown[] }; status?: { conditions?: Condition[] } };

/**
 * The `pods/binding` subresource, as kube-apiserver's BindingREST: a pending pod gets its node and
 * `PodScheduled=True`, through the registry's guaranteed update (no validation: the scheduler, or a
 * caller allowed to bind, names the node). 409 when it is already bound, still gated or being
 * deleted.
 */
export async function bindPod(registry: Registry, namespace: string, name: string, nodeName: string): Promise<void> {
  const r = resourceType('pods');
  await registry.guaranteedUpdate<BindablePod>('pods', namespace, name, (pod) => {
    if (pod.spec.nodeName) throw errors.conflict(r, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (pod.spec.schedulingGates?.length) throw errors.conflict(r, name, `pod ${name} has non-empty .spec.schedulingGates`);
    if (pod.metadata.deletionTimestamp) throw errors.conflict(r, name, 'pod is being deleted');
    // Built beside the (frozen) cached pod, not in it.
    const status = pod.status ?? {};
    const scheduled: Condition = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: isoTime(registry.clock.now()) };
    const conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), scheduled];
    return { ...pod, spec: { ...pod.spec, nodeName }, status: { ...status, conditions } };
  });
}
