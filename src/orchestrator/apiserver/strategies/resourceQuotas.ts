import { deepEqual } from '../../api/podutil.js';
import { quotaStatus, quotaUsage, type ResourceQuota } from '../../api/resourceQuota.js';
import { RESOURCES } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { ObjectReader } from '../objects.js';
import type { Strategy } from './types.js';

/**
 * ResourceQuotas: a quota's status (its hard limits and what the namespace uses now) is counted when
 * it is created and when its limits change, so the quota admission knows it at once; the quota
 * controller keeps it current after that. (kube-apiserver leaves the first count to the controller
 * and refuses writes as `status unknown` meanwhile.)
 */
export function resourceQuotaStrategy(objects: ObjectReader, clock: Clock): Strategy {
  const count = async (obj: KubeObject) => {
    const q = obj as ResourceQuota;
    const ns = q.metadata.namespace ?? 'default';
    const used = await quotaUsage(
      q,
      (resource, group) => RESOURCES.find((r) => r.resource === resource && r.group === group && r.namespaced),
      (r) => objects.list(`/registry/${r.resource}/${ns}/`),
      clock.now(),
    );
    q.status = quotaStatus(q, used);
  };
  return {
    prepareForCreate: count,
    async prepareForUpdate(next, current) {
      if (!deepEqual((next as ResourceQuota).spec ?? {}, (current as ResourceQuota).spec ?? {})) await count(next);
    },
  };
}
