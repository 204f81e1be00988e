import type { OwnerReference, PersistentVolumeClaimTemplate, Pod, PodTemplateSpec, StatefulSet } from '../api/types.js';
import { podFromTemplate } from './podcontrol.js';
import { REVISION_HASH_LABEL } from './history.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function startOrdinal(sts: StatefulSet): number {
  return sts.spec.ordinals?.start ?? 0;
}

/** The ordinal in a pod's name (`<set>-<n>`), or undefined when the name is not one of the set's. */
export function ordinalOf(sts: StatefulSet, pod: Pod): number | undefined {
  const name = pod.metadata.name ?? '';
  const prefix = `${sts.metadata.name}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function claimName(vct: PersistentVolumeClaimTemplate, podName: string): string {
  return `${vct.metadata?.name ?? ''}-${podName}`;
}

/**
 * Kubernetes' newStatefulSetPod: the pod `<set>-<ordinal>` from `template` (the revision's), with
 * its stable identity (hostname, subdomain = serviceName, the pod-name and pod-index labels), the
 * revision label, and one volume per claim template naming its PVC (replacing a same-named volume).
 */
export function statefulPod(sts: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const name = `${sts.metadata.name}-${ordinal}`;
  const pod = podFromTemplate(template, sts, { name });
  pod.metadata.labels = { ...pod.metadata.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: revision };
  pod.spec.hostname = name;
  if (sts.spec.serviceName) pod.spec.subdomain = sts.spec.serviceName;
  const claims = sts.spec.volumeClaimTemplates ?? [];
  if (claims.length) {
    const names = new Set(claims.map((c) => c.metadata?.name));
    const volumes = (Array.isArray(pod.spec.volumes) ? (pod.spec.volumes as { name?: string }[]) : []).filter((v) => !names.has(v.name));
    for (const c of claims) volumes.push({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(c, name) } } as { name: string });
    pod.spec.volumes = volumes;
  }
  return pod;
}

/** The PVC for claim template `vct` of pod `podName`, owned as the retention policy asks. */
export function claimFor(sts: StatefulSet, vct: PersistentVolumeClaimTemplate, podName: string, owners: OwnerReference[]) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(vct, podName),
      namespace: sts.metadata.namespace,
      labels: { ...vct.metadata?.labels, ...sts.spec.selector.matchLabels },
      ...(vct.metadata?.annotations ? { annotations: { ...vct.metadata.annotations } } : {}),
      ...(owners.length ? { ownerReferences: owners } : {}),
    },
    spec: structuredClone(vct.spec ?? {}),
  };
}

/** A non-controller owner reference (PVC retention: the claim goes when its owner goes). */
export function ownerRef(o: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }): OwnerReference {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name ?? '', uid: o.metadata.uid ?? '', blockOwnerDeletion: true };
}

/** The template a revision's data holds (`{spec: {template: {..., $patch: replace}}}`). */
export function templateOfRevision(data: unknown): PodTemplateSpec | undefined {
  const t = (data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _ignored, ...rest } = t;
  return rest as unknown as PodTemplateSpec;
}
