import { isAlreadyExists, isForbidden } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import type { KubeObject, Namespace } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'serviceaccount-controller';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** A namespace that is going away gets nothing new. */
export function terminating(ns: Namespace | undefined): boolean {
  return !ns || !!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating';
}

/**
 * Kubernetes' service account controller: every namespace has a ServiceAccount `default`, created
 * with the namespace and again if someone deletes it. Pods that name no service account run as
 * it, and the API mounts its token into them.
 */
export function startServiceAccountController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const nsInf = informers.get<Namespace>('namespaces');
  const saInf = informers.get<KubeObject>('serviceaccounts');

  const reconcile = async (namespace: string): Promise<void> => {
    if (terminating(nsInf.get(namespace))) return;
    if (saInf.get(objectKey(namespace, DEFAULT_SERVICE_ACCOUNT))) return;
    try {
      await client.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } });
      log.debug('created the default service account', { namespace });
    } catch (e) {
      // Created meanwhile, or the namespace started terminating: nothing to do.
      if (!isAlreadyExists(e) && !isForbidden(e)) throw e;
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['namespaces', 'serviceaccounts']) });
  nsInf.addHandlers({ onAdd: (n) => loop.enqueue(n.metadata.name ?? ''), onUpdate: (_o, n) => loop.enqueue(n.metadata.name ?? '') });
  saInf.addHandlers({
    onDelete: (sa) => {
      if (sa.metadata.name === DEFAULT_SERVICE_ACCOUNT) loop.enqueue(sa.metadata.namespace ?? '');
    },
  });
  return loop;
}
