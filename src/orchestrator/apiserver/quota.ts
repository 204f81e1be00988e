import { ApiError, isConflict } from '../api/errors.js';
import { addUsage, hardOf, missingConstraints, quotaCovers, toResourceList, usageOf, type ResourceQuota, type Usage } from '../api/resourceQuota.js';
import type { ResourceType } from '../api/resources.js';
import { isQuantity, milliValue } from '../api/quantity.js';
import type { KubeObject } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { ObjectReader } from './objects.js';

/** How the quota admission writes a quota's `status.used` (the registry's status update, with CAS on resourceVersion). */
export type QuotaStatusWriter = (quota: ResourceQuota) => Promise<unknown>;

/**
 * What one admitted write was charged: each quota it changed, at the version the charge wrote. The
 * write gives it back if it then fails, so a refused create (`AlreadyExists`) or update (`Conflict`)
 * does not count against the quota until the next recount.
 */
export interface QuotaCharge {
  refund(): Promise<void>;
}

/** Conflicting writers of one quota's usage: each tries again on the newer version, this many times. */
const MAX_ATTEMPTS = 10;

/**
 * kube-apiserver's ResourceQuota admission: a write that adds usage (a new object; a pod, Service
 * or claim that grows) is checked against every quota of its namespace that covers it (scopes),
 * for the resources that quota limits, and the usage is added to the quota's `status.used` before
 * the object is stored, so concurrent writers never overshoot. A write that fails after its charge
 * (a name taken, a conflict) gives it back (`QuotaCharge.refund`); the quota controller recounts from
 * the objects afterwards (deletions, finished pods).
 */
export class QuotaAdmission {
  constructor(
    private readonly objects: ObjectReader,
    private readonly writeStatus: QuotaStatusWriter,
    private readonly clock: Clock,
  ) {}

  /**
   * Throws a 403 `exceeded quota`/`failed quota`/`status unknown` as upstream words it; charges the
   * usage otherwise (not for a dry run), and answers what it charged, for the write to give back if
   * it fails.
   */
  async admit(r: ResourceType, obj: KubeObject, current: KubeObject | undefined, dryRun: boolean): Promise<QuotaCharge | undefined> {
    if (!r.namespaced || r.resource === 'events') return undefined;
    const ns = obj.metadata.namespace ?? 'default';
    const quotas = ((await this.objects.list(`/registry/resourcequotas/${ns}/`)) as readonly ResourceQuota[]).filter((q) => quotaCovers(q, r, obj));
    if (!quotas.length) return undefined;
    const now = this.clock.now();
    const delta = usageOf(r, obj, now);
    if (current) {
      addUsage(delta, usageOf(r, current, now), -1);
      // Objects are counted on create only.
      for (const k of [...delta.keys()]) if (k.startsWith('count/')) delta.delete(k);
    }
    const what = `${r.group ? `${r.resource}.${r.group}` : r.resource} "${obj.metadata.name ?? ''}" is forbidden`;
    if (r.resource === 'pods' && !current) {
      for (const q of quotas) {
        const missing = missingConstraints(obj, hardOf(q).keys());
        if (missing.length) throw new ApiError(403, 'Forbidden', `${what}: failed quota: ${q.metadata.name}: must specify ${missing.join('; ')}`);
      }
    }
    // Every quota is checked before any is charged.
    const charges = quotas.map((q) => charge(q, delta, what)).filter((c): c is ResourceQuota => c !== undefined);
    if (dryRun) return undefined;
    /** Each charged quota's name and the version its charge wrote. */
    const charged: { name: string; rv: string | undefined }[] = [];
    for (let c of charges) {
      for (let attempt = 1; ; attempt++) {
        try {
          const written = (await this.writeStatus(c)) as KubeObject | undefined;
          charged.push({ name: c.metadata.name ?? '', rv: written?.metadata.resourceVersion });
          break;
        } catch (e) {
          // Another writer charged it first: count again from its newer usage.
          if (!isConflict(e) || attempt >= MAX_ATTEMPTS) throw e;
          const fresh = (await this.objects.get(`/registry/resourcequotas/${ns}/${c.metadata.name}`)) as ResourceQuota | undefined;
          const again = fresh && charge(fresh, delta, what);
          if (!again) break;
          c = again;
        }
      }
    }
    return charged.length ? { refund: () => this.refund(ns, charged, delta) } : undefined;
  }

  /**
   * Takes `delta` back from each quota still at the version its charge wrote. A quota that changed
   * since keeps the charge (it may have been recounted without the failed object, and taking it back
   * then would undercount): a usage too high refuses too much until the controller's next recount,
   * one too low would let a write through.
   */
  private async refund(ns: string, charged: readonly { name: string; rv: string | undefined }[], delta: Usage): Promise<void> {
    for (const { name, rv } of charged) {
      const q = (await this.objects.get(`/registry/resourcequotas/${ns}/${name}`)) as ResourceQuota | undefined;
      const usedList = q?.status?.used;
      if (!q || !usedList || rv === undefined || q.metadata.resourceVersion !== rv) continue;
      const back = [...hardOf(q).keys()].filter((k) => (delta.get(k) ?? 0) > 0 && k in usedList);
      if (!back.length) continue;
      const used = usedOf(q);
      for (const k of back) used.set(k, Math.max(0, (used.get(k) ?? 0) - (delta.get(k) ?? 0)));
      // With the version read: a write in between makes this a conflict, and the charge stays.
      await this.writeStatus(withUsed(q, used, back)).catch((e: unknown) => {
        if (!isConflict(e)) throw e;
      });
    }
  }
}

/** The quota with `delta` added to its usage, or undefined when it limits nothing `delta` adds; throws when over. */
function charge(q: ResourceQuota, delta: Usage, what: string): ResourceQuota | undefined {
  const hard = hardOf(q);
  const limited = [...hard.keys()].filter((k) => (delta.get(k) ?? 0) > 0).sort();
  if (!limited.length) return undefined;
  const usedList = q.status?.used;
  if (!q.status?.hard || !usedList || !limited.every((k) => k in (q.status?.hard ?? {}) && k in usedList)) {
    throw new ApiError(403, 'Forbidden', `${what}: status unknown for quota: ${q.metadata.name}, resources: ${limited.join(',')}`);
  }
  const used = usedOf(q);
  const over = limited.filter((k) => (used.get(k) ?? 0) + (delta.get(k) ?? 0) > (hard.get(k) ?? 0));
  const spec = (q.spec?.hard ?? {}) as Record<string, unknown>;
  if (over.length) {
    const show = (u: Usage) => over.map((k) => `${k}=${toResourceList(u, [k], spec)[k]}`).join(',');
    throw new ApiError(403, 'Forbidden', `${what}: exceeded quota: ${q.metadata.name}, requested: ${show(delta)}, used: ${show(used)}, limited: ${show(hard)}`);
  }
  for (const k of limited) used.set(k, (used.get(k) ?? 0) + (delta.get(k) ?? 0));
  return withUsed(q, used, limited);
}

/** A quota's `status.used`, in thousandths. */
function usedOf(q: ResourceQuota): Usage {
  return new Map(Object.entries(q.status?.used ?? {}).map(([k, v]) => [k, isQuantity(v) ? milliValue(v) : 0]));
}

/** The quota with `keys` of its `status.used` set from `used` (in the style of its `spec.hard`), the rest as they were. */
function withUsed(q: ResourceQuota, used: Usage, keys: readonly string[]): ResourceQuota {
  const spec = (q.spec?.hard ?? {}) as Record<string, unknown>;
  return { ...q, status: { ...q.status, used: { ...q.status?.used, ...toResourceList(used, keys, spec) } } };
}
