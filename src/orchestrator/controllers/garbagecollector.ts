import { isConflict, isNotFound } from '../api/errors.js';
import { objectKey, RESOURCES, resourceForKind } from '../api/resources.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import type { Informer } from '../client/Informer.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'garbage-collector';

export interface GarbageCollectorOptions {
  /** Resources whose objects are collected (and looked up as owners). Default: every served kind but events. */
  resources?: string[];
}

type OwnerState = 'present' | 'waiting' | 'absent' | 'unknown';

/**
 * Kubernetes' garbage collector over ownerReferences. Queue keys are `resource|namespace|name`.
 * - An object all of whose owners are gone (by uid) is deleted in the background; dangling refs next
 *   to a live owner are removed. Owners missing from the cache are confirmed with a live read first.
 * - `foregroundDeletion` on a terminating owner: its dependents are deleted (foreground themselves
 *   when they have dependents), and the finalizer is removed once no dependent with
 *   `blockOwnerDeletion` remains.
 * - `orphan`: the owner's reference is removed from every dependent, then the finalizer.
 */
export function startGarbageCollector(ctx: ControllerContext, options: GarbageCollectorOptions = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const resources = options.resources ?? RESOURCES.filter((r) => r.resource !== 'events').map((r) => r.resource);
  const infs = new Map<string, Informer>(resources.map((r) => [r, informers.get(r)]));
  /** owner uid -> keys of the objects that reference it. */
  const dependents = new Map<string, Set<string>>();
  /** uid -> key, to re-enqueue the owners a dependent's deletion concerns. */
  const byUid = new Map<string, string>();

  const itemKey = (resource: string, o: KubeObject) => `${resource}|${o.metadata.namespace ?? ''}|${o.metadata.name ?? ''}`;
  const lookup = (key: string): { resource: string; obj?: KubeObject } => {
    const [resource = '', ns = '', name = ''] = key.split('|');
    return { resource, obj: infs.get(resource)?.get(objectKey(ns || undefined, name)) };
  };
  const dependentsOf = (uid: string): { key: string; resource: string; obj: KubeObject }[] => {
    const out: { key: string; resource: string; obj: KubeObject }[] = [];
    for (const key of dependents.get(uid) ?? []) {
      const { resource, obj } = lookup(key);
      if (obj && obj.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push({ key, resource, obj });
    }
    return out;
  };

  const reconcile = async (key: string): Promise<void> => {
    const { resource, obj } = lookup(key);
    if (!obj) return;
    const uid = obj.metadata.uid ?? '';
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp) {
      if (finalizers.includes('orphan')) {
        for (const d of dependentsOf(uid)) {
          await writeRefs(d.resource, d.obj, (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid));
        }
        await removeFinalizer(resource, obj, 'orphan');
      } else if (finalizers.includes('foregroundDeletion')) {
        let blocking = 0;
        for (const d of dependentsOf(uid)) {
          if (!d.obj.metadata.deletionTimestamp) {
            const nested = (dependents.get(d.obj.metadata.uid ?? '')?.size ?? 0) > 0;
            await remove(d.resource, d.obj, nested ? 'Foreground' : 'Background');
          }
          if (d.obj.metadata.ownerReferences?.find((r) => r.uid === uid)?.blockOwnerDeletion) blocking++;
        }
        if (blocking === 0) await removeFinalizer(resource, obj, 'foregroundDeletion');
      }
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = await Promise.all(refs.map((r) => ownerState(r, obj.metadata.namespace)));
    if (states.includes('unknown')) return;
    const solid = states.filter((s) => s === 'present').length;
    const dangling = refs.filter((_r, i) => states[i] === 'absent');
    if (solid > 0) {
      if (dangling.length) await writeRefs(resource, obj, refs.filter((_r, i) => states[i] !== 'absent'));
      return;
    }
    // Every owner is gone or going: follow a foreground owner's policy, else delete in the background.
    const foreground = states.includes('waiting') && (dependents.get(uid)?.size ?? 0) > 0;
    log.debug('collecting', { key, owners: refs.map((r) => `${r.kind}/${r.name}`) });
    await remove(resource, obj, foreground ? 'Foreground' : 'Background');
  };

  const ownerState = async (ref: OwnerReference, namespace: string | undefined): Promise<OwnerState> => {
    const r = resourceForKind(ref.apiVersion, ref.kind);
    if (!r) return 'unknown';
    const ns = r.namespaced ? namespace : undefined;
    if (r.namespaced && !ns) return 'unknown';
    const stateOf = (o: KubeObject): OwnerState =>
      o.metadata.uid !== ref.uid ? 'absent' : o.metadata.deletionTimestamp && o.metadata.finalizers?.includes('foregroundDeletion') ? 'waiting' : 'present';
    const cached = infs.get(r.resource)?.get(objectKey(ns, ref.name));
    if (cached && cached.metadata.uid === ref.uid) return stateOf(cached);
    // The cache may lag (an owner created a moment ago): only a live read can say it is gone.
    try {
      return stateOf(await client.get(r.resource, ns, ref.name));
    } catch (e) {
      if (isNotFound(e)) return 'absent';
      throw e;
    }
  };

  const remove = async (resource: string, o: KubeObject, policy: 'Foreground' | 'Background'): Promise<void> => {
    try {
      await client.delete(resource, o.metadata.namespace, o.metadata.name ?? '', { propagationPolicy: policy, preconditions: { uid: o.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  };

  const writeRefs = async (resource: string, o: KubeObject, refs: OwnerReference[]): Promise<void> => {
    try {
      await client.patch(resource, o.metadata.namespace, o.metadata.name ?? '', 'merge', {
        metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: o.metadata.resourceVersion },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  const removeFinalizer = async (resource: string, o: KubeObject, f: string): Promise<void> => {
    const rest = (o.metadata.finalizers ?? []).filter((x) => x !== f);
    await client.patch(resource, o.metadata.namespace, o.metadata.name ?? '', 'merge', {
      metadata: { finalizers: rest.length ? rest : null, resourceVersion: o.metadata.resourceVersion },
    });
  };

  // Deletes are independent and each waits on the API: many at once, as kube-controller-manager's
  // --concurrent-gc-syncs (20). A deleted Deployment's 1,000 pods go in seconds, not minutes.
  const loop = runLoop(COMPONENT, reconcile, { clock, log, workers: 10, ready: informers.waitForSync(resources) });

  const index = (key: string, o: KubeObject) => {
    if (o.metadata.uid) byUid.set(o.metadata.uid, key);
    for (const r of o.metadata.ownerReferences ?? []) {
      let set = dependents.get(r.uid);
      if (!set) dependents.set(r.uid, (set = new Set()));
      set.add(key);
    }
  };
  const unindex = (key: string, o: KubeObject) => {
    if (o.metadata.uid && byUid.get(o.metadata.uid) === key) byUid.delete(o.metadata.uid);
    for (const r of o.metadata.ownerReferences ?? []) {
      const set = dependents.get(r.uid);
      set?.delete(key);
      if (set?.size === 0) dependents.delete(r.uid);
    }
  };
  const gcFinalizer = (o: KubeObject) => !!o.metadata.deletionTimestamp && !!o.metadata.finalizers?.some((f) => f === 'orphan' || f === 'foregroundDeletion');
  /** Owners waiting in foreground deletion look again when one of their dependents changes or goes. */
  const wakeOwners = (o: KubeObject) => {
    for (const r of o.metadata.ownerReferences ?? []) {
      const k = byUid.get(r.uid);
      if (k && gcFinalizer(lookup(k).obj ?? { apiVersion: '', kind: '', metadata: {} })) loop.enqueue(k);
    }
  };
  for (const [resource, inf] of infs) {
    inf.addHandlers({
      onAdd: (o) => {
        const key = itemKey(resource, o);
        index(key, o);
        if (o.metadata.ownerReferences?.length || gcFinalizer(o)) loop.enqueue(key);
      },
      onUpdate: (old, o) => {
        const key = itemKey(resource, o);
        unindex(key, old);
        index(key, o);
        const refsChanged = JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(o.metadata.ownerReferences ?? []);
        if (refsChanged || gcFinalizer(o)) loop.enqueue(key);
        if (refsChanged || (!old.metadata.deletionTimestamp && o.metadata.deletionTimestamp)) wakeOwners(old);
      },
      onDelete: (o) => {
        const key = itemKey(resource, o);
        unindex(key, o);
        for (const d of dependents.get(o.metadata.uid ?? '') ?? []) loop.enqueue(d);
        wakeOwners(o);
      },
    });
  }
  return loop;
}
