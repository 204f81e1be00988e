import { deepEqual } from '../api/podutil.js';
import { countedResource, quotaStatus, quotaUsage, type ResourceQuota } from '../api/resourceQuota.js';
import { objectKey, RESOURCES, type ResourceType } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { RequeueAfter } from '../client/WorkQueue.js';

/** kube-controller-manager's full recount of every quota (resourceQuotaSyncPeriod). */
const RESYNC_MS = 5 * 60_000;

/**
 * The resource quota controller, as kube-controller-manager's: each quota's `status.hard` is its
 * `spec.hard`, and `status.used` what the objects of its namespace that its scopes cover use now,
 * recounted when the quota's spec changes, when an object of a kind it counts comes, changes or goes
 * (a deleted or finished pod's usage comes back), and every 5 minutes. Kinds are watched as quotas
 * name them (`count/deployments.apps`).
 */
export function startResourceQuotaController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: 'resourcequota' });
  const quotaInf = informers.get<ResourceQuota>('resourcequotas');
  const keyOf = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name ?? '');
  const kindOf = (resource: string, group: string): ResourceType | undefined => RESOURCES.find((r) => r.resource === resource && r.group === group && r.namespaced);
  /** Kinds some quota counts, each followed once: a change enqueues the quotas of its namespace. */
  const followed = new Set<string>();
  const follow = (r: ResourceType) => {
    if (followed.has(r.resource)) return;
    followed.add(r.resource);
    const touch = (o: KubeObject) => {
      for (const q of quotaInf.byIndex('namespace', o.metadata.namespace ?? '')) loop.enqueue(keyOf(q));
    };
    informers.get(r.resource).addHandlers({ onAdd: touch, onUpdate: (_old, o) => touch(o), onDelete: touch });
  };

  const reconcile = async (key: string): Promise<void> => {
    const q = quotaInf.get(key);
    if (!q || q.metadata.deletionTimestamp) return;
    const ns = q.metadata.namespace ?? 'default';
    const kinds = new Set<ResourceType>();
    for (const k of Object.keys(q.spec?.hard ?? {})) {
      const c = countedResource(k);
      const r = c && kindOf(c.resource, c.group);
      if (r) kinds.add(r);
    }
    for (const r of kinds) follow(r);
    await informers.waitForSync([...kinds].map((r) => r.resource));
    const used = await quotaUsage(q, kindOf, (r) => informers.get(r.resource).byIndex('namespace', ns), clock.now());
    const status = quotaStatus(q, used);
    if (!deepEqual(q.status ?? {}, status)) {
      log.debug('quota recounted', { quota: key, used: status.used });
      await client.updateStatus('resourcequotas', { ...q, status });
    }
    throw new RequeueAfter(RESYNC_MS);
  };

  const loop = runLoop('resourcequota', reconcile, { clock, log, ready: informers.waitForSync(['resourcequotas']) });
  // Not on a change of `status.used` alone: that is the admission charging a write that is not
  // stored yet, and a recount now would take the charge back (kube-controller-manager enqueues a
  // quota on a changed spec only).
  const changed = (old: ResourceQuota, q: ResourceQuota) => !deepEqual(old.spec ?? {}, q.spec ?? {}) || !deepEqual(q.status?.hard ?? {}, q.spec?.hard ?? {});
  quotaInf.addHandlers({ onAdd: (q) => loop.enqueue(keyOf(q)), onUpdate: (old, q) => changed(old, q) && loop.enqueue(keyOf(q)), onDelete: () => undefined });
  return loop;
}
