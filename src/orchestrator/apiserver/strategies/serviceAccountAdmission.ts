import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/types.js';
import type { ObjectReader } from '../objects.js';

/** Where the API's credentials appear in every container, as on Kubernetes. */
export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The projected volume's name prefix (`kube-api-access-xxxxx`). */
export const API_ACCESS_PREFIX = 'kube-api-access-';
/** The kubelet refreshes the token long before this; 3607 s is what kube-apiserver asks for. */
const TOKEN_EXPIRATION_S = 3607;
/** Random suffixes as apimachinery's `utilrand.String` makes them. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

type Obj = Record<string, unknown>;

interface ServiceAccount extends KubeObject {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
}

/** From the watch cache: read it, never change it. */
async function serviceAccount(objects: ObjectReader, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  return (await objects.get(`/registry/serviceaccounts/${namespace}/${name}`)) as ServiceAccount | undefined;
}

function serviceAccountName(pod: KubeObject): string {
  const spec = pod.spec as Obj;
  return typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : 'default';
}

/** The projected volume kube-apiserver's ServiceAccount admission adds: token, CA and namespace. */
export function apiAccessVolume(name: string): Obj {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_S, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * kube-apiserver's ServiceAccount admission on pod create: pull secrets come from the service
 * account when the pod names none, and unless `automountServiceAccountToken: false` (on the pod, or
 * else on the service account) a `kube-api-access-xxxxx` projected volume (a bound token, the
 * cluster CA and the namespace) is mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount
 * in every container that has nothing there yet. A service account that does not exist (yet) is
 * not an error here, unlike on Kubernetes: the pod is admitted without a token, with a warning
 * (`serviceAccountWarnings`).
 */
export async function admitServiceAccount(pod: KubeObject, objects: ObjectReader): Promise<void> {
  const spec = pod.spec as Obj | undefined;
  if (!spec) return;
  const sa = await serviceAccount(objects, pod.metadata.namespace ?? 'default', serviceAccountName(pod));
  if (!sa) return;
  if (!(Array.isArray(spec.imagePullSecrets) && spec.imagePullSecrets.length) && sa.imagePullSecrets?.length) {
    spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
  }
  const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : sa.automountServiceAccountToken !== false;
  if (!automount) return;
  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []) as Obj[];
  let volume = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(API_ACCESS_PREFIX))?.name as string | undefined;
  const containers = [...((spec.initContainers as Obj[] | undefined) ?? []), ...((spec.containers as Obj[] | undefined) ?? [])];
  const needing = containers.filter((c) => !((c.volumeMounts as Obj[] | undefined) ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT));
  if (!needing.length) return;
  if (!volume) {
    volume = API_ACCESS_PREFIX + Array.from({ length: 5 }, () => ALPHANUMS[randomInt(ALPHANUMS.length)]).join('');
    spec.volumes = [...volumes, apiAccessVolume(volume)];
  }
  for (const c of needing) c.volumeMounts = [...((c.volumeMounts as Obj[] | undefined) ?? []), { name: volume, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT }];
}

/** The warning for a pod whose service account does not exist: it runs without an API token. */
export async function serviceAccountWarnings(pod: KubeObject, objects: ObjectReader): Promise<string[]> {
  const spec = pod.spec as Obj | undefined;
  if (!spec || spec.automountServiceAccountToken === false) return [];
  const ns = pod.metadata.namespace ?? 'default';
  const name = serviceAccountName(pod);
  if (await serviceAccount(objects, ns, name)) return [];
  return [`spec.serviceAccountName: serviceaccount "${name}" not found in namespace "${ns}": the pod gets no API token`];
}
