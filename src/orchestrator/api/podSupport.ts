/**
 * The pod fields Skiff accepts but does not act on, as warnings: kube-apiserver sends each as a
 * `Warning: 299 - "..."` header on create and update (kubectl prints `Warning: ...`), the node's
 * agent records each as a `FieldNotSupported` event on the pod, and docs/compat.md lists them. A
 * field leaves this list when some part of Skiff starts to honour it. Pure; values a user cannot
 * avoid (the API's own defaults) never warn.
 */

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Obj => !!x) : []);
const set = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(obj(v) && Object.keys(v as Obj).length === 0);

/** Volume sources the agent mounts; any other is warned about (and its mounts keep containers from starting). */
export const MOUNTED_VOLUME_SOURCES = ['emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'projected', 'persistentVolumeClaim'];
const VOLUME_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker',
  'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

/** Resources the agent enforces as limits; others are only counted by the scheduler. */
const ENFORCED_LIMITS = new Set(['cpu', 'memory']);

function containerWarnings(c: Obj, path: string, out: string[]): void {
  const limits = obj(obj(c.resources)?.limits) ?? {};
  for (const k of Object.keys(limits)) if (!ENFORCED_LIMITS.has(k)) out.push(`${path}.resources.limits[${k}]: not enforced by Skiff (only cpu and memory limits are)`);
  if (set(obj(c.resources)?.claims)) out.push(`${path}.resources.claims: dynamic resource allocation is not supported by Skiff`);
  if (set(c.resizePolicy)) out.push(`${path}.resizePolicy: resources are not resized in place by Skiff (a changed pod is recreated)`);
  if (set(c.volumeDevices)) out.push(`${path}.volumeDevices: block volumes are not supported by Skiff`);
  list(c.volumeMounts).forEach((m, i) => {
    if (m.recursiveReadOnly === 'Enabled') out.push(`${path}.volumeMounts[${i}].recursiveReadOnly: not supported by Skiff's Docker engine mapping (the mount is read-only, not recursively)`);
  });
}

/**
 * Warnings for a PodSpec at `path` (`spec`, or `spec.template.spec` for workloads), each
 * `field.path: why`. Empty when Skiff acts on everything the spec says.
 */
export function podSpecWarnings(spec: Obj | undefined, path = 'spec'): string[] {
  if (!spec) return [];
  const out: string[] = [];
  list(spec.volumes).forEach((v, i) => {
    const src = VOLUME_SOURCES.find((s) => set(v[s]));
    if (src) out.push(`${path}.volumes[${i}].${src}: ${src} volumes are not mounted by Skiff; containers that mount "${String(v.name)}" will not start`);
    list(obj(v.projected)?.sources).forEach((s, j) => {
      if (set(s.clusterTrustBundle)) out.push(`${path}.volumes[${i}].projected.sources[${j}].clusterTrustBundle: not supported by Skiff`);
      if (set(s.podCertificate)) out.push(`${path}.volumes[${i}].projected.sources[${j}].podCertificate: not supported by Skiff`);
    });
  });
  list(spec.initContainers).forEach((c, i) => containerWarnings(c, `${path}.initContainers[${i}]`, out));
  list(spec.containers).forEach((c, i) => containerWarnings(c, `${path}.containers[${i}]`, out));
  list(spec.ephemeralContainers).forEach((c, i) => containerWarnings(c, `${path}.ephemeralContainers[${i}]`, out));
  if (set(spec.overhead)) out.push(`${path}.overhead: not counted by Skiff`);
  if (set(spec.runtimeClassName)) out.push(`${path}.runtimeClassName: Skiff runs every pod with the Docker engine's default runtime`);
  if (set(spec.resourceClaims)) out.push(`${path}.resourceClaims: dynamic resource allocation is not supported by Skiff`);
  if (set(spec.resources)) out.push(`${path}.resources: pod-level resources are not enforced by Skiff (set them per container)`);
  if (spec.hostUsers === false) out.push(`${path}.hostUsers: user namespaces are not used by Skiff; the pod shares the host's users`);
  if (obj(spec.os)?.name === 'windows') out.push(`${path}.os.name: Skiff runs Linux containers only`);
  const sc = obj(spec.securityContext);
  if (sc?.supplementalGroupsPolicy === 'Strict') out.push(`${path}.securityContext.supplementalGroupsPolicy: Strict is not enforced by Skiff (the image's groups still apply)`);
  if (set(sc?.seLinuxChangePolicy)) out.push(`${path}.securityContext.seLinuxChangePolicy: not acted on by Skiff`);
  return out;
}
