import { defaultHorizontalPodAutoscaler } from './autoscaling.js';
import { defaultPod, defaultPodSpec, obj, objects, setDefault } from './defaults/podSpec.js';
import { applyZeroFields } from './defaults/zeroFields.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';
import type { Obj } from './validation/causes.js';
import { defaultSubjects } from './validation/rbac.js';
import { defaultLimitRange } from './limitRange.js';

/** `o[key]` as an object, created empty when missing (left alone when it holds something else). */
function child(o: Obj, key: string): Obj | undefined {
  if (o[key] === undefined || o[key] === null) o[key] = {};
  return obj(o[key]);
}

function template(spec: Obj): void {
  const podSpec = obj(obj(spec.template)?.spec);
  if (podSpec) defaultPodSpec(podSpec);
}

function deployment(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  if (strategy) {
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const ru = child(strategy, 'rollingUpdate');
      if (ru) {
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
    }
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  template(spec);
}

function replicaSet(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  template(spec);
}

function daemonSet(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  const us = child(spec, 'updateStrategy');
  if (us) {
    setDefault(us, 'type', 'RollingUpdate');
    if (us.type === 'RollingUpdate') {
      const ru = child(us, 'rollingUpdate');
      if (ru) {
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
    }
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  template(spec);
}

function statefulSet(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = child(spec, 'updateStrategy');
  if (us) {
    setDefault(us, 'type', 'RollingUpdate');
    if (us.type === 'RollingUpdate') {
      const ru = child(us, 'rollingUpdate');
      if (ru) setDefault(ru, 'partition', 0);
    }
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    setDefault(retention, 'whenDeleted', 'Retain');
    setDefault(retention, 'whenScaled', 'Retain');
  }
  for (const pvc of objects(spec.volumeClaimTemplates)) {
    const s = obj(pvc.spec);
    if (s) setDefault(s, 'volumeMode', 'Filesystem');
  }
  template(spec);
}

/** Labels the server puts on a Job's pods and selects them by (when `manualSelector` is not set). */
export function jobSelectorLabels(name: string, uid: string): Record<string, string> {
  return { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
}

function job(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  setDefault(spec, 'parallelism', 1);
  // With a per-index limit the global one is effectively off (math.MaxInt32), as SetDefaults_Job.
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const pfp = obj(spec.podFailurePolicy);
  for (const rule of objects(pfp?.rules)) for (const pattern of objects(rule.onPodConditions)) setDefault(pattern, 'status', 'True');
  setDefault(spec, 'podReplacementPolicy', pfp ? 'Failed' : 'TerminatingOrFailed');
  const uid = o.metadata.uid;
  const name = o.metadata.name;
  // The generated selector needs the Job's uid, so it appears once the uid is assigned.
  if (spec.manualSelector !== true && uid && name && spec.selector === undefined) {
    const labels = jobSelectorLabels(name, uid);
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const tmpl = child(spec, 'template');
    const meta = tmpl && child(tmpl, 'metadata');
    const tl = meta && child(meta, 'labels');
    if (tl) for (const [k, v] of Object.entries(labels)) setDefault(tl, k, v);
  }
  // A Job without labels of its own takes its template's (SetDefaults_Job).
  const tlabels = obj(obj(obj(spec.template)?.metadata)?.labels);
  if (tlabels && Object.keys(tlabels).length && Object.keys(o.metadata.labels ?? {}).length === 0) o.metadata.labels = { ...(tlabels as Record<string, string>) };
  template(spec);
}

function cronJob(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  // Only the pod template inside the job template is defaulted; the JobSpec gets its defaults when a Job is made from it.
  const jobSpec = obj(obj(spec.jobTemplate)?.spec);
  if (jobSpec) template(jobSpec);
}

function replicationController(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  const labels = obj(obj(obj(spec.template)?.metadata)?.labels);
  if (labels) {
    if (Object.keys(obj(spec.selector) ?? {}).length === 0) spec.selector = { ...labels };
    if (Object.keys(o.metadata.labels ?? {}).length === 0) o.metadata.labels = { ...(labels as Record<string, string>) };
  }
  setDefault(spec, 'replicas', 1);
  template(spec);
}

function service(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = child(spec, 'sessionAffinityConfig');
    const cip = cfg && child(cfg, 'clientIP');
    if (cip) setDefault(cip, 'timeoutSeconds', 10800);
  }
  for (const p of objects(spec.ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
}

function secret(o: KubeObject): void {
  setDefault(o, 'type', 'Opaque');
  const sd = obj(o.stringData);
  if (sd) {
    const data = child(o, 'data');
    if (data) for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete o.stringData;
  }
}

function namespace(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (spec) setDefault(spec, 'finalizers', ['kubernetes']);
  const status = child(o, 'status');
  if (status) setDefault(status, 'phase', 'Active');
  const name = o.metadata.name;
  if (name) o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

function pvc(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (spec) setDefault(spec, 'volumeMode', 'Filesystem');
  const status = child(o, 'status');
  if (status) setDefault(status, 'phase', 'Pending');
}

function pv(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (spec) {
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(spec, 'volumeMode', 'Filesystem');
  }
  const status = child(o, 'status');
  if (status) setDefault(status, 'phase', 'Pending');
}

function endpointPorts(ports: unknown, named: boolean): void {
  for (const p of objects(ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (named) setDefault(p, 'name', '');
  }
}

const BY_KIND: Record<string, (o: KubeObject) => void> = {
  RoleBinding: defaultSubjects,
  ClusterRoleBinding: defaultSubjects,
  Pod: (o) => defaultPod(o),
  Deployment: deployment,
  ReplicaSet: replicaSet,
  DaemonSet: daemonSet,
  StatefulSet: statefulSet,
  Job: job,
  CronJob: cronJob,
  ReplicationController: replicationController,
  HorizontalPodAutoscaler: defaultHorizontalPodAutoscaler,
  PriorityClass: (o) => {
    const pc = o as KubeObject & { preemptionPolicy?: string };
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  Service: service,
  Secret: secret,
  Namespace: namespace,
  PersistentVolumeClaim: pvc,
  PersistentVolume: pv,
  StorageClass: (o) => {
    setDefault(o as Obj, 'reclaimPolicy', 'Delete');
    setDefault(o as Obj, 'volumeBindingMode', 'Immediate');
  },
  Endpoints: (o) => {
    for (const s of objects(o.subsets)) endpointPorts(s.ports, false);
  },
  EndpointSlice: (o) => endpointPorts(o.ports, true),
  NetworkPolicy: networkPolicy,
  LimitRange: defaultLimitRange,
  Host: (o) => {
    const spec = child(o, 'spec');
    if (spec) setDefault(spec, 'port', 22);
  },
};

/**
 * Fills the defaults the Kubernetes API server fills, in place, so stored objects look like a real
 * cluster's (and `kubectl get -o yaml` / `kubectl diff` show what they would). Idempotent; values
 * of the wrong type are left for validation to report.
 */
export function applyDefaults(r: ResourceType, o: KubeObject): void {
  if (!obj(o.metadata)) o.metadata = {};
  BY_KIND[r.kind]?.(o);
  applyZeroFields(r.kind, o);
}

/**
 * On update, carries over what the server allocated and a client cannot be expected to send back
 * (the Service registry's patchAllocatedValues): a Service's cluster IPs and node ports when the new
 * object leaves them empty. Call before {@link applyDefaults} and validation on PUT and PATCH.
 */
export function applyUpdateDefaults(r: ResourceType, next: KubeObject, old: KubeObject): void {
  if (r.kind !== 'Service') return;
  const ns = obj(next.spec);
  const os = obj(old.spec);
  if (!ns || !os || ns.type === 'ExternalName' || os.type === 'ExternalName') return;
  for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort']) {
    if ((ns[f] === undefined || ns[f] === '') && os[f] !== undefined) ns[f] = structuredClone(os[f]);
  }
  const oldPorts = objects(os.ports);
  for (const p of objects(ns.ports)) {
    if (p.nodePort !== undefined && p.nodePort !== 0) continue;
    const match = oldPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
    if (match?.nodePort !== undefined && (ns.type === 'NodePort' || ns.type === 'LoadBalancer')) p.nodePort = match.nodePort;
  }
}

/** SetDefaults_NetworkPolicy: policyTypes from the rules present; ports' protocol TCP. */
function networkPolicy(o: KubeObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  if (!obj(spec.podSelector)) spec.podSelector = {};
  for (const dir of ['ingress', 'egress']) {
    for (const rule of objects(spec[dir])) for (const p of objects(rule.ports)) p.protocol ??= 'TCP';
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}
