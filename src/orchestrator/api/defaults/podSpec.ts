import { compareQuantities, isQuantity } from '../quantity.js';
import type { Obj } from '../validation/causes.js';

function sameQuantity(a: unknown, b: unknown): boolean {
  return isQuantity(a) && isQuantity(b) ? compareQuantities(a, b) === 0 : a === b;
}

/**
 * SetDefaults_PodSpec / SetDefaults_Container / volume and probe defaults of k8s.io/api core/v1,
 * for Pods and for the pod templates of workloads. Every function fills only what is missing and
 * ignores values of the wrong type (validation reports those), so running it twice changes nothing.
 */

export function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj).filter((x): x is Obj => x !== undefined) : [];
}

export function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** `Always` for `:latest` or untagged images, `IfNotPresent` otherwise (digests included). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon < 0 ? '' : lastSegment.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  const http = obj(p.httpGet);
  if (http) {
    setDefault(http, 'path', '/');
    setDefault(http, 'scheme', 'HTTP');
  }
}

function defaultEnv(env: unknown): void {
  for (const e of objects(env)) {
    const fieldRef = obj(obj(e.valueFrom)?.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

export function defaultContainer(c: Obj): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'resources', {});
  for (const port of objects(c.ports)) setDefault(port, 'protocol', 'TCP');
  defaultEnv(c.env);
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(obj(c[probe]));
}

/** An ephemeral container's defaults: a container's, without the fields it may not set. */
function defaultEphemeralContainer(c: Obj): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  defaultEnv(c.env);
}

function defaultItems(items: unknown): void {
  for (const i of objects(items)) {
    const fieldRef = obj(i.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

function defaultVolume(v: Obj): void {
  for (const src of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = obj(v[src]);
    if (s) setDefault(s, 'defaultMode', 420);
  }
  const downward = obj(v.downwardAPI);
  if (downward) defaultItems(downward.items);
  for (const source of objects(obj(v.projected)?.sources)) {
    const sat = obj(source.serviceAccountToken);
    if (sat) setDefault(sat, 'expirationSeconds', 3600);
    const d = obj(source.downwardAPI);
    if (d) defaultItems(d.items);
  }
  const hostPath = obj(v.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  const iscsi = obj(v.iscsi);
  if (iscsi) setDefault(iscsi, 'iscsiInterface', 'default');
}

/** Defaults common to Pods and pod templates. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) defaultContainer(c);
  for (const c of objects(spec.ephemeralContainers)) defaultEphemeralContainer(c);
  for (const v of objects(spec.volumes)) defaultVolume(v);
  // The deprecated alias is kept in step with the real field, as the v1 conversion does.
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) setDefault(spec, 'serviceAccount', spec.serviceAccountName);
}

/**
 * Pods only (not templates): what SetDefaults_Pod and the admission plugins that always run in a
 * real cluster (ServiceAccount, Priority) add, plus `status` as PrepareForCreate sets it.
 */
export function defaultPod(pod: Obj): void {
  let spec = obj(pod.spec);
  if (!spec) pod.spec = spec = {};
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  // `priority` and `preemptionPolicy` come from the Priority admission (strategies/priorityClasses.ts).
  // Requests default to limits for resources that only have a limit.
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
    const res = obj(c.resources);
    const limits = obj(res?.limits);
    if (!res || !limits || Object.keys(limits).length === 0) continue;
    let requests = obj(res.requests);
    if (!requests) res.requests = requests = {};
    for (const [k, v] of Object.entries(limits)) setDefault(requests, k, v);
  }
  let status = obj(pod.status);
  if (!status) pod.status = status = {};
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', qosClass(spec));
}

/** The pod's QoS class (qos.GetPodQOS): Guaranteed, Burstable or BestEffort. */
export function qosClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...objects(spec.containers), ...objects(spec.initContainers)];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = obj(c.resources);
    const limits = obj(res?.limits) ?? {};
    const requests = obj(res?.requests) ?? {};
    for (const r of ['cpu', 'memory']) {
      const l = limits[r];
      const q = requests[r] ?? l;
      if (l !== undefined || requests[r] !== undefined) any = true;
      if (l === undefined || !sameQuantity(q, l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
