import { isAlreadyExists, isForbidden, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import type { KubeObject, Namespace } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { terminating } from './serviceaccount.js';

const COMPONENT = 'root-ca-cert-publisher';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCAOptions {
  /** PEM of the cluster CA the API's serving certificate chains to. */
  caPem: string;
}

/**
 * Kubernetes' root CA certificate publisher: a ConfigMap `kube-root-ca.crt` with `ca.crt` (the
 * cluster CA) in every namespace, put back as it was when edited or deleted. Pods' projected
 * service-account volumes take `ca.crt` from it, so an in-cluster client can verify the API.
 */
export function startRootCACertPublisher(ctx: ControllerContext, options: RootCAOptions): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const nsInf = informers.get<Namespace>('namespaces');
  const cmInf = informers.get<KubeObject & { data?: Record<string, string> }>('configmaps');

  const reconcile = async (namespace: string): Promise<void> => {
    if (terminating(nsInf.get(namespace))) return;
    const current = cmInf.get(objectKey(namespace, ROOT_CA_CONFIGMAP));
    const data = { 'ca.crt': options.caPem };
    try {
      if (!current) {
        await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } }, data });
      } else if (current.data?.['ca.crt'] !== options.caPem || Object.keys(current.data ?? {}).length !== 1) {
        await client.update('configmaps', { ...current, data });
      }
    } catch (e) {
      if (!isAlreadyExists(e) && !isForbidden(e) && !isNotFound(e)) throw e;
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['namespaces', 'configmaps']) });
  nsInf.addHandlers({ onAdd: (n) => loop.enqueue(n.metadata.name ?? ''), onUpdate: (_o, n) => loop.enqueue(n.metadata.name ?? '') });
  const mine = (cm: KubeObject) => {
    if (cm.metadata.name === ROOT_CA_CONFIGMAP) loop.enqueue(cm.metadata.namespace ?? '');
  };
  cmInf.addHandlers({ onUpdate: (_o, cm) => mine(cm), onDelete: mine });
  return loop;
}
