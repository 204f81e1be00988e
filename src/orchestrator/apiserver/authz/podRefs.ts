/**
 * What a pod and a persistent volume reference, as kube's podutil.VisitPodSecretNames /
 * VisitPodConfigmapNames and pvutil.VisitPVSecretNames see it: the objects a node may read because a
 * pod bound to it needs them. Reads untrusted stored objects defensively.
 */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export interface PodRefs {
  secrets: string[];
  configmaps: string[];
  pvcs: string[];
  serviceaccounts: string[];
  resourceclaims: string[];
}

function containers(spec: Obj): Obj[] {
  return [...arr(spec.containers), ...arr(spec.initContainers), ...arr(spec.ephemeralContainers)];
}

export function podRefs(pod: unknown): PodRefs {
  const p = obj(pod);
  const meta = obj(p.metadata);
  const spec = obj(p.spec);
  const refs: PodRefs = { secrets: [], configmaps: [], pvcs: [], serviceaccounts: [], resourceclaims: [] };
  const add = (list: string[], name: string) => {
    if (name && !list.includes(name)) list.push(name);
  };
  // A mirror pod (a node's static pod) must never grant its node access to anything else.
  if (str(obj(meta.annotations)[MIRROR_POD_ANNOTATION])) return refs;
  add(refs.serviceaccounts, str(spec.serviceAccountName));
  for (const s of arr(spec.imagePullSecrets)) add(refs.secrets, str(s.name));
  for (const c of containers(spec)) {
    for (const e of arr(c.envFrom)) {
      add(refs.secrets, str(obj(e.secretRef).name));
      add(refs.configmaps, str(obj(e.configMapRef).name));
    }
    for (const e of arr(c.env)) {
      const from = obj(e.valueFrom);
      add(refs.secrets, str(obj(from.secretKeyRef).name));
      add(refs.configmaps, str(obj(from.configMapKeyRef).name));
    }
  }
  for (const v of arr(spec.volumes)) {
    add(refs.secrets, str(obj(v.secret).secretName));
    add(refs.configmaps, str(obj(v.configMap).name));
    for (const src of arr(obj(v.projected).sources)) {
      add(refs.secrets, str(obj(src.secret).name));
      add(refs.configmaps, str(obj(src.configMap).name));
    }
    add(refs.secrets, str(obj(v.azureFile).secretName));
    for (const k of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) add(refs.secrets, str(obj(obj(v[k]).secretRef).name));
    add(refs.secrets, str(obj(obj(v.csi).nodePublishSecretRef).name));
    add(refs.pvcs, str(obj(v.persistentVolumeClaim).claimName));
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v.ephemeral !== undefined && str(meta.name) && str(v.name)) add(refs.pvcs, `${str(meta.name)}-${str(v.name)}`);
  }
  const claimStatuses = arr(obj(p.status).resourceClaimStatuses);
  for (const rc of arr(spec.resourceClaims)) {
    if (str(rc.resourceClaimName)) add(refs.resourceclaims, str(rc.resourceClaimName));
    else if (str(rc.resourceClaimTemplateName)) add(refs.resourceclaims, str(claimStatuses.find((s) => str(s.name) === str(rc.name))?.resourceClaimName));
  }
  return refs;
}

/** The claim a PV is bound to (`namespace/name`) and the secrets (`namespace/name`) its node-side plugins read. */
export function pvRefs(pv: unknown): { claim?: string; secrets: string[] } {
  const spec = obj(obj(pv).spec);
  const claimRef = obj(spec.claimRef);
  if (!str(claimRef.name)) return { secrets: [] };
  const claimNs = str(claimRef.namespace);
  const secrets: string[] = [];
  const add = (ns: string, name: string) => {
    if (name && ns && !secrets.includes(`${ns}/${name}`)) secrets.push(`${ns}/${name}`);
  };
  const ref = (r: unknown) => add(str(obj(r).namespace) || claimNs, str(obj(r).name));
  const az = obj(spec.azureFile);
  add(str(az.secretNamespace) || claimNs, str(az.secretName));
  for (const k of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) ref(obj(spec[k]).secretRef);
  const csi = obj(spec.csi);
  for (const k of ['nodePublishSecretRef', 'nodeStageSecretRef', 'nodeExpandSecretRef']) ref(csi[k]);
  return { claim: `${claimNs}/${str(claimRef.name)}`, secrets };
}
