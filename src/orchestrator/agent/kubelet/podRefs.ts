import type { Container, Pod } from '../../api/types.js';
import type { RegistryAuth } from '../runtime/types.js';
import type { ObjectRef, ObjectCache } from './objectCache.js';
import { credentialsFor, credentialsOf } from './pullSecrets.js';
import type { Recorder } from './types.js';

interface Named {
  name?: string;
  secretName?: string;
}

/**
 * Every ConfigMap and Secret the pod reads by name: volume sources (also inside projected
 * volumes), `env[].valueFrom`, `envFrom` and `imagePullSecrets`, of every container. The node
 * watches exactly these (and is authorized for exactly these under the node authorizer).
 */
export function podRefs(pod: Pod): ObjectRef[] {
  const ns = pod.metadata.namespace ?? 'default';
  const out = new Map<string, ObjectRef>();
  const add = (kind: ObjectRef['kind'], name: string | undefined) => {
    if (name) out.set(`${kind}/${name}`, { kind, namespace: ns, name });
  };
  for (const v of (pod.spec.volumes as Record<string, unknown>[] | undefined) ?? []) {
    add('configmaps', (v.configMap as Named | undefined)?.name);
    add('secrets', (v.secret as Named | undefined)?.secretName);
    for (const s of ((v.projected as { sources?: Record<string, unknown>[] } | undefined)?.sources ?? [])) {
      add('configmaps', (s.configMap as Named | undefined)?.name);
      add('secrets', (s.secret as Named | undefined)?.name);
    }
  }
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const from = e.valueFrom as { configMapKeyRef?: Named; secretKeyRef?: Named } | undefined;
      add('configmaps', from?.configMapKeyRef?.name);
      add('secrets', from?.secretKeyRef?.name);
    }
    for (const f of (c.envFrom as { configMapRef?: Named; secretRef?: Named }[] | undefined) ?? []) {
      add('configmaps', f.configMapRef?.name);
      add('secrets', f.secretRef?.name);
    }
  }
  for (const s of (pod.spec.imagePullSecrets as Named[] | undefined) ?? []) add('secrets', s.name);
  return [...out.values()];
}

/**
 * The registry credentials for a container's image from the pod's `imagePullSecrets`, most
 * specific first. A pull secret that is missing or malformed is skipped with the kubelet's
 * `FailedToRetrieveImagePullSecret` event, and the pull goes on with what is left.
 */
export async function pullAuths(pod: Pod, image: string, objects: Pick<ObjectCache, 'get'>, recorder: Recorder): Promise<RegistryAuth[]> {
  const names = ((pod.spec.imagePullSecrets as Named[] | undefined) ?? []).map((s) => s.name).filter((n): n is string => !!n);
  if (!names.length) return [];
  const found = [];
  const missing: string[] = [];
  for (const n of names) {
    try {
      found.push(await objects.get('secrets', pod.metadata.namespace ?? 'default', n));
    } catch {
      missing.push(n);
    }
  }
  const { creds, bad } = credentialsOf(found);
  const skipped = [...missing, ...bad];
  if (skipped.length) {
    recorder.record(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${skipped.join(', ')}); attempting to pull the image may not succeed.`);
  }
  return credentialsFor(image, creds);
}
