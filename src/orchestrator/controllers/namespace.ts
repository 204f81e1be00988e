import { isConflict, isNotFound } from '../api/errors.js';
import { RESOURCES } from '../api/resources.js';
import type { Namespace } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'namespace-controller';
export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceOptions {
  /** How soon to look again while objects in a terminating namespace are still going away. Default 2 s. */
  recheckMs?: number;
}

/**
 * Namespace deletion (Kubernetes' namespace controller): once a Namespace has a deletionTimestamp,
 * every namespaced object in it, of every kind in api/resources.ts, is deleted (in the background;
 * pods on nodes terminate gracefully). When nothing is left, the `kubernetes` finalizer is removed and
 * the Namespace goes. Lists are live reads, not caches: this runs rarely and must not miss a kind.
 */
export function startNamespaceController(ctx: ControllerContext, options: NamespaceOptions = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const nsInf = informers.get<Namespace>('namespaces');
  const kinds = RESOURCES.filter((r) => r.namespaced);

  const reconcile = async (name: string): Promise<void> => {
    const ns = nsInf.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const r of kinds) {
      const list = await client.list(r.resource, { namespace: name });
      for (const o of list.items) {
        if (o.metadata.deletionTimestamp) continue;
        try {
          await client.delete(r.resource, name, o.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: o.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        }
      }
      // Deletions with finalizers or grace periods leave the object for a while.
      remaining += (await client.list(r.resource, { namespace: name })).items.length;
    }
    if (remaining > 0) {
      log.debug('namespace still has content', { namespace: name, remaining });
      loop.enqueueAfter(name, options.recheckMs ?? 2_000);
      return;
    }
    const finalizers = (ns.metadata.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    const patch: Record<string, unknown> = { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: ns.metadata.resourceVersion } };
    if (ns.spec?.finalizers?.includes(NAMESPACE_FINALIZER)) patch.spec = { finalizers: ns.spec.finalizers.filter((f) => f !== NAMESPACE_FINALIZER) };
    await client.patch('namespaces', undefined, name, 'merge', patch);
    log.info('namespace content removed', { namespace: name });
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['namespaces']) });
  nsInf.addHandlers({
    onAdd: (n) => loop.enqueue(n.metadata.name ?? ''),
    onUpdate: (_o, n) => loop.enqueue(n.metadata.name ?? ''),
  });
  return loop;
}
