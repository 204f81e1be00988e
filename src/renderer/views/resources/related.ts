import type { Job, KubeObject, LabelSelector, Pod, ReplicaSet } from '../../../orchestrator/api/types.js';
import type { ApiKind } from '../../api/discovery.js';
import { parseIngress } from '../../graph/ingresses.js';
import { isRecord } from '../../api/guards.js';
import { INTERMEDIATE_MAPS, podsOfWorkload } from '../../graph/owners.js';
import type { ClusterObjects, ObjectMap } from '../../store/kinds.js';
import type { ObjectRef } from '../../store/resourcesSlice.js';

/** One linked object: where it is, and how it relates (`owner`, `runs on`, `selects`...). */
export interface RelatedLink {
  ref: ObjectRef;
  /** Extra words shown after the name (a pod's phase, a revision). */
  note?: string;
}

export interface RelatedGroup {
  title: string;
  links: RelatedLink[];
}

/** A ref to `kind` (optionally pinned to `apiVersion`'s group) if the server serves it. */
export function refTo(kinds: readonly ApiKind[], kind: string, name: string, namespace: string | undefined, apiVersion?: string): ObjectRef | undefined {
  const group = apiVersion === undefined ? undefined : apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const k = kinds.find((x) => x.kind === kind && (group === undefined || x.group === group));
  if (!k) return undefined;
  return { group: k.group, version: k.version, resource: k.resource, kind: k.kind, namespaced: k.namespaced, ...(k.namespaced && namespace ? { namespace } : {}), name };
}

/** Whether `labels` satisfy a Service-style map selector (empty selects nothing, as for Services). */
export function selectsMap(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** A workload's LabelSelector (matchLabels and matchExpressions). An empty selector selects nothing here. */
export function selectsLabels(sel: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!sel) return false;
  const ml = Object.entries(sel.matchLabels ?? {});
  const me = sel.matchExpressions ?? [];
  if (ml.length === 0 && me.length === 0) return false;
  if (!ml.every(([k, v]) => labels?.[k] === v)) return false;
  return me.every((r) => {
    const has = labels !== undefined && r.key in labels;
    const v = labels?.[r.key];
    switch (r.operator) {
      case 'In':
        return has && (r.values ?? []).includes(v as string);
      case 'NotIn':
        return !has || !(r.values ?? []).includes(v as string);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The ConfigMaps, Secrets and claims a pod spec uses (volumes, envFrom, env valueFrom, pull secrets). */
export function podSpecReferences(spec: unknown): { configMaps: string[]; secrets: string[]; claims: string[] } {
  const s = rec(spec);
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const claims = new Set<string>();
  for (const v of arr(s.volumes)) {
    const vol = rec(v);
    const cm = str(rec(vol.configMap).name);
    if (cm) configMaps.add(cm);
    const sec = str(rec(vol.secret).secretName);
    if (sec) secrets.add(sec);
    const pvc = str(rec(vol.persistentVolumeClaim).claimName);
    if (pvc) claims.add(pvc);
    for (const src of arr(rec(vol.projected).sources)) {
      const p = rec(src);
      const pcm = str(rec(p.configMap).name);
      if (pcm) configMaps.add(pcm);
      const ps = str(rec(p.secret).name);
      if (ps) secrets.add(ps);
    }
  }
  for (const c of [...arr(s.containers), ...arr(s.initContainers)]) {
    const ctr = rec(c);
    for (const ef of arr(ctr.envFrom)) {
      const e = rec(ef);
      const cm = str(rec(e.configMapRef).name);
      if (cm) configMaps.add(cm);
      const sec = str(rec(e.secretRef).name);
      if (sec) secrets.add(sec);
    }
    for (const ev of arr(ctr.env)) {
      const from = rec(rec(ev).valueFrom);
      const cm = str(rec(from.configMapKeyRef).name);
      if (cm) configMaps.add(cm);
      const sec = str(rec(from.secretKeyRef).name);
      if (sec) secrets.add(sec);
    }
  }
  for (const p of arr(s.imagePullSecrets)) {
    const n = str(rec(p).name);
    if (n) secrets.add(n);
  }
  return { configMaps: [...configMaps].sort(), secrets: [...secrets].sort(), claims: [...claims].sort() };
}

function podNote(p: Pod): string {
  return p.status?.phase ?? 'Pending';
}

function replicaSetNote(rs: ReplicaSet): string {
  const rev = rs.metadata.annotations?.['deployment.kubernetes.io/revision'];
  return `${rs.status?.readyReplicas ?? 0}/${rs.spec.replicas ?? 0} ready${rev ? ` · revision ${rev}` : ''}`;
}

/** `Complete`/`Failed` once finished (its condition), else how many of its pods run, as `kubectl get jobs` shows. */
function jobNote(j: Job): string {
  const done = j.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (done) return done.type;
  const s = j.status;
  return `${s?.active ?? 0} active · ${s?.succeeded ?? 0} succeeded${s?.failed ? ` · ${s.failed} failed` : ''}`;
}

/** What a child controller's link says after its name: how far it has got. */
function childNote(o: ReplicaSet | Job): string {
  return o.kind === 'ReplicaSet' ? replicaSetNote(o as ReplicaSet) : jobNote(o as Job);
}

/** The pod template a workload runs (a CronJob's sits inside its Job template). */
function podTemplateSpec(obj: KubeObject): unknown {
  const spec = rec(obj.spec);
  const template = obj.kind === 'CronJob' ? rec(rec(spec.jobTemplate).spec).template : spec.template;
  return rec(template).spec;
}

/**
 * The objects linked to `obj`, grouped as the details panel lists them: its owners, its children
 * (anything in the watched kinds naming it as owner), and the kind-specific relations: pod -> node,
 * services, config and claims; service -> endpoints and pods; deployment -> replica sets -> pods;
 * cron job -> jobs -> pods; claim <-> volume; ingress -> services; node -> host and pods. Pure:
 * reads only what it is given.
 */
export function relatedObjects(obj: KubeObject, kinds: readonly ApiKind[], cluster: ClusterObjects): RelatedGroup[] {
  const ns = obj.metadata.namespace;
  const uid = obj.metadata.uid;
  const groups: RelatedGroup[] = [];
  const add = (title: string, links: (RelatedLink | undefined)[]) => {
    const ok = links.filter((l): l is RelatedLink => l !== undefined && l.ref !== undefined);
    if (ok.length > 0) groups.push({ title, links: ok });
  };
  const link = (kind: string, name: string | undefined, namespace: string | undefined, note?: string, apiVersion?: string): RelatedLink | undefined => {
    if (!name) return undefined;
    const ref = refTo(kinds, kind, name, namespace, apiVersion);
    return ref ? { ref, ...(note ? { note } : {}) } : undefined;
  };

  add('Owners', (obj.metadata.ownerReferences ?? []).map((o) => link(o.kind, o.name, ns, o.controller ? 'controller' : undefined, o.apiVersion)));

  if (uid) {
    const children: (RelatedLink | undefined)[] = [];
    for (const map of INTERMEDIATE_MAPS) {
      const controllers: ObjectMap<ReplicaSet | Job> = cluster[map];
      for (const c of Object.values(controllers)) {
        if (c.metadata.ownerReferences?.some((o) => o.uid === uid)) children.push(link(c.kind, c.metadata.name, c.metadata.namespace, childNote(c), c.apiVersion));
      }
    }
    for (const p of Object.values(cluster.pods)) {
      if (p.metadata.ownerReferences?.some((o) => o.uid === uid)) children.push(link('Pod', p.metadata.name, p.metadata.namespace, podNote(p)));
    }
    add('Children', children);
  }

  const spec = rec(obj.spec);
  switch (obj.kind) {
    case 'Pod': {
      const p = obj as Pod;
      add('Runs on', [link('Node', p.spec?.nodeName, undefined)]);
      add('Selected by services', Object.values(cluster.services).filter((s) => s.metadata.namespace === ns && selectsMap(s.spec.selector, p.metadata.labels)).map((s) => link('Service', s.metadata.name, ns)));
      const refs = podSpecReferences(p.spec);
      add('Uses', [
        ...refs.configMaps.map((n) => link('ConfigMap', n, ns)),
        ...refs.secrets.map((n) => link('Secret', n, ns)),
        ...refs.claims.map((n) => link('PersistentVolumeClaim', n, ns)),
        link('ServiceAccount', str(spec.serviceAccountName), ns),
      ]);
      break;
    }
    case 'Service': {
      const sel = spec.selector as Record<string, string> | undefined;
      add('Endpoints', [cluster.endpoints[`${ns}/${obj.metadata.name}`] ? link('Endpoints', obj.metadata.name, ns) : undefined]);
      add('Pods', Object.values(cluster.pods).filter((p) => p.metadata.namespace === ns && selectsMap(sel, p.metadata.labels)).map((p) => link('Pod', p.metadata.name, ns, podNote(p))));
      break;
    }
    case 'Endpoints': {
      add('Service', [link('Service', obj.metadata.name, ns)]);
      const pods: (RelatedLink | undefined)[] = [];
      for (const sub of arr(obj.subsets)) {
        for (const a of [...arr(rec(sub).addresses), ...arr(rec(sub).notReadyAddresses)]) {
          const t = rec(rec(a).targetRef);
          if (t.kind === 'Pod') pods.push(link('Pod', str(t.name), str(t.namespace) ?? ns, str(rec(a).ip)));
        }
      }
      add('Pods', pods);
      break;
    }
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'CronJob': {
      // Pods not owned directly: a Deployment's (owned by its ReplicaSets) by its selector, as kubectl
      // and Lens match them; a CronJob's, which has no selector, through its Jobs, as the canvas groups them.
      if (obj.kind === 'Deployment') {
        const sel = spec.selector as LabelSelector | undefined;
        add('Pods', Object.values(cluster.pods).filter((p) => p.metadata.namespace === ns && selectsLabels(sel, p.metadata.labels)).map((p) => link('Pod', p.metadata.name, ns, podNote(p))));
      }
      if (obj.kind === 'CronJob' && ns && obj.metadata.name) {
        add('Pods', podsOfWorkload(cluster.pods, cluster, { kind: obj.kind, namespace: ns, name: obj.metadata.name }).map((p) => link('Pod', p.metadata.name, ns, podNote(p))));
      }
      const refs = podSpecReferences(podTemplateSpec(obj));
      add('Uses', [...refs.configMaps.map((n) => link('ConfigMap', n, ns)), ...refs.secrets.map((n) => link('Secret', n, ns)), ...refs.claims.map((n) => link('PersistentVolumeClaim', n, ns))]);
      break;
    }
    case 'PersistentVolumeClaim':
      add('Volume', [link('PersistentVolume', str(spec.volumeName), undefined)]);
      add('Used by pods', Object.values(cluster.pods).filter((p) => p.metadata.namespace === ns && podSpecReferences(p.spec).claims.includes(obj.metadata.name ?? '')).map((p) => link('Pod', p.metadata.name, ns, podNote(p))));
      break;
    case 'PersistentVolume': {
      const claim = rec(spec.claimRef);
      add('Claim', [link('PersistentVolumeClaim', str(claim.name), str(claim.namespace))]);
      break;
    }
    case 'ConfigMap':
    case 'Secret': {
      const which = obj.kind === 'ConfigMap' ? 'configMaps' : 'secrets';
      add('Used by pods', Object.values(cluster.pods).filter((p) => p.metadata.namespace === ns && podSpecReferences(p.spec)[which].includes(obj.metadata.name ?? '')).map((p) => link('Pod', p.metadata.name, ns, podNote(p))));
      break;
    }
    case 'Ingress': {
      const names = new Set((parseIngress(obj)?.routes ?? []).map((r) => r.service));
      add('Routes to', [...names].sort().map((n) => link('Service', n, ns)));
      break;
    }
    case 'Node': {
      const host = Object.values(cluster.hosts).find((h) => h.status?.nodeName === obj.metadata.name);
      add('Host', [link('Host', host?.metadata.name, undefined)]);
      add('Pods', Object.values(cluster.pods).filter((p) => p.spec?.nodeName === obj.metadata.name).map((p) => link('Pod', p.metadata.name, p.metadata.namespace, podNote(p))));
      break;
    }
    case 'Host':
      add('Node', [link('Node', str(rec(obj.status).nodeName), undefined)]);
      break;
  }
  return groups;
}
