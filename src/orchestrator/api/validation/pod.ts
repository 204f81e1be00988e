import { compareQuantities, isQuantity } from '../quantity.js';
import type { StatusCause } from '../types.js';
import { asArr, asNum, asObj, asStr, duplicate, each, enumOf, forbidden, invalid, nonNegative, notFound, positive, required, type Obj } from './causes.js';
import { validatePodDns } from './podDns.js';
import { dns1123Label, dns1123Subdomain, envVarName, labelValue, portName, portNumber, qualifiedName } from './names.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const TOLERATION_OPS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

/** Volume sources: exactly one must be set on each volume. */
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

/** Validates a PodSpec at `path` (`spec`, or `spec.template.spec` for workload templates). */
export function validatePodSpec(spec: Obj | undefined, path: string): StatusCause[] {
  if (!spec) return [required(path)];
  const causes: StatusCause[] = [];
  const volumes = validateVolumes(asArr(spec.volumes), `${path}.volumes`, causes);
  const containers = asArr(spec.containers);
  if (containers.length === 0) causes.push(required(`${path}.containers`));
  const names = new Set<string>();
  validateContainers(containers, `${path}.containers`, volumes, names, causes);
  validateContainers(asArr(spec.initContainers), `${path}.initContainers`, volumes, names, causes);
  validateEphemeralContainers(asArr(spec.ephemeralContainers), `${path}.ephemeralContainers`, volumes, names, causes);
  causes.push(...enumOf(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  causes.push(...enumOf(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  causes.push(...validatePodDns(spec, path));
  causes.push(...nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  causes.push(...positive(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds));
  const sel = asObj(spec.nodeSelector);
  if (sel) {
    for (const [k, v] of Object.entries(sel)) {
      causes.push(...each(`${path}.nodeSelector`, k, qualifiedName(k)));
      if (typeof v === 'string') causes.push(...each(`${path}.nodeSelector`, v, labelValue(v)));
    }
  }
  asArr(spec.tolerations).forEach((t, i) => causes.push(...validateToleration(asObj(t), `${path}.tolerations[${i}]`)));
  const nodeName = asStr(spec.nodeName);
  if (nodeName) causes.push(...each(`${path}.nodeName`, nodeName, dns1123Subdomain(nodeName)));
  causes.push(...validateSchedulingGates(asArr(spec.schedulingGates), `${path}.schedulingGates`));
  return causes;
}

/** validateSchedulingGates: each gate's name is a qualified name, and no name twice. */
function validateSchedulingGates(gates: unknown[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  gates.forEach((raw, i) => {
    const name = asStr(asObj(raw)?.name) ?? '';
    causes.push(...each(`${path}[${i}]`, name, qualifiedName(name)));
    if (seen.has(name)) causes.push(duplicate(`${path}[${i}]`, name));
    seen.add(name);
  });
  return causes;
}

function validateVolumes(vols: unknown[], path: string, causes: StatusCause[]): Set<string> {
  const names = new Set<string>();
  vols.forEach((raw, i) => {
    const v = asObj(raw);
    if (!v) return;
    const p = `${path}[${i}]`;
    const name = asStr(v.name);
    if (name) {
      causes.push(...each(`${p}.name`, name, dns1123Label(name)));
      if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) causes.push(required(p, 'must specify a volume type'));
    else if (sources.length > 1) causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: may not specify more than 1 volume type`, field: `${p}.${sources[1]}` });
  });
  return names;
}

function validateContainers(list: unknown[], path: string, volumes: Set<string>, names: Set<string>, causes: StatusCause[]): void {
  list.forEach((raw, i) => {
    const c = asObj(raw);
    const p = `${path}[${i}]`;
    if (!c) return;
    const name = asStr(c.name);
    if (name) {
      causes.push(...each(`${p}.name`, name, dns1123Label(name)));
      if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    const image = asStr(c.image);
    if (!image) causes.push(required(`${p}.image`));
    else if (image.trim() !== image) causes.push(invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
    causes.push(...enumOf(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    causes.push(...enumOf(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, ['FallbackToLogsOnError', 'File']));
    validatePorts(asArr(c.ports), `${p}.ports`, causes);
    validateEnv(asArr(c.env), `${p}.env`, causes);
    validateResources(asObj(c.resources), `${p}.resources`, causes);
    asArr(c.volumeMounts).forEach((m, j) => {
      const vm = asObj(m);
      const mp = `${p}.volumeMounts[${j}]`;
      if (!vm) return;
      const vname = asStr(vm.name);
      if (vname && !volumes.has(vname)) causes.push(notFound(`${mp}.name`, vname));
      if (vm.mountPath === '') causes.push(required(`${mp}.mountPath`));
    });
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) validateProbe(asObj(c[probe]), `${p}.${probe}`, causes);
  });
}

/**
 * The fields an ephemeral container may set (upstream's allow list: no ports, probes, lifecycle,
 * resources or restart policy: it must not be relied on for what the pod does).
 */
const EPHEMERAL_FIELDS = new Set([
  'name', 'image', 'command', 'args', 'workingDir', 'envFrom', 'env', 'volumeMounts', 'volumeDevices', 'terminationMessagePath',
  'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty', 'targetContainerName',
]);

/** A container's fields in the Go struct's order (the order upstream reports them in). */
const CONTAINER_FIELDS = [
  'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy', 'volumeMounts',
  'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy',
  'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
];

/** Go's zero value, as JSON shows it: a field left at it counts as not set. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.values(v as object).every(isZero);
}

/**
 * Ephemeral containers (`kubectl debug`), as upstream's validateEphemeralContainers: a container's
 * checks, a name unique among all the pod's containers, a target that is one of its (non-ephemeral)
 * containers, only the allowed fields, and no subPath mounts.
 */
function validateEphemeralContainers(list: unknown[], path: string, volumes: Set<string>, names: Set<string>, causes: StatusCause[]): void {
  if (list.length === 0) return;
  const others = new Set(names);
  validateContainers(list, path, volumes, names, causes);
  list.forEach((raw, i) => {
    const c = asObj(raw);
    const p = `${path}[${i}]`;
    if (!c) return;
    const target = asStr(c.targetContainerName);
    if (target && !others.has(target)) causes.push(notFound(`${p}.targetContainerName`, target));
    for (const k of CONTAINER_FIELDS) if (!EPHEMERAL_FIELDS.has(k) && !isZero(c[k])) causes.push(forbidden(`${p}.${k}`, 'cannot be set for an Ephemeral Container'));
    asArr(c.volumeMounts).forEach((m, j) => {
      const vm = asObj(m);
      for (const f of ['subPath', 'subPathExpr']) if (vm && !isZero(vm[f])) causes.push(forbidden(`${p}.volumeMounts[${j}].${f}`, 'cannot be set for an Ephemeral Container'));
    });
  });
}

function validatePorts(ports: unknown[], path: string, causes: StatusCause[]): void {
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const port = asObj(raw);
    const p = `${path}[${i}]`;
    if (!port) return;
    const n = asNum(port.containerPort);
    if (n !== undefined) causes.push(...portNumber(n).map((m) => invalid(`${p}.containerPort`, n, m)));
    const h = asNum(port.hostPort);
    if (h !== undefined && h !== 0) causes.push(...portNumber(h).map((m) => invalid(`${p}.hostPort`, h, m)));
    causes.push(...enumOf(`${p}.protocol`, port.protocol, PROTOCOLS));
    const name = asStr(port.name);
    if (name) {
      causes.push(...each(`${p}.name`, name, portName(name)));
      if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
  });
}

function validateEnv(env: unknown[], path: string, causes: StatusCause[]): void {
  env.forEach((raw, i) => {
    const e = asObj(raw);
    const p = `${path}[${i}]`;
    if (!e) return;
    const name = asStr(e.name);
    if (name !== undefined) {
      if (name === '') causes.push(required(`${p}.name`));
      causes.push(...each(`${p}.name`, name, envVarName(name)));
    }
    if (e.valueFrom && typeof e.value === 'string' && e.value !== '') {
      causes.push(invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    }
    const from = asObj(e.valueFrom);
    if (from) {
      const set = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => from[k]);
      if (set.length === 0) causes.push(invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (set.length > 1) causes.push(invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
    }
  });
}

function validateResources(res: Obj | undefined, path: string, causes: StatusCause[]): void {
  if (!res) return;
  const limits = asObj(res.limits) ?? {};
  const requests = asObj(res.requests) ?? {};
  for (const [kind, m] of [['limits', limits], ['requests', requests]] as const) {
    for (const [k, v] of Object.entries(m)) {
      if (isQuantity(v) && compareQuantities(v, 0) < 0) causes.push(invalid(`${path}.${kind}[${k}]`, v, 'must be greater than or equal to 0'));
    }
  }
  for (const [k, req] of Object.entries(requests)) {
    const lim = limits[k];
    if (lim === undefined || !isQuantity(req) || !isQuantity(lim)) continue;
    if (compareQuantities(req, lim) > 0) causes.push(invalid(`${path}.requests`, String(req), `must be less than or equal to ${k} limit of ${String(lim)}`));
  }
}

function validateProbe(probe: Obj | undefined, path: string, causes: StatusCause[]): void {
  if (!probe) return;
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => probe[h]);
  if (handlers.length === 0) causes.push(required(path, 'must specify a handler type'));
  else if (handlers.length > 1) causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not specify more than 1 handler type', field: `${path}.${handlers[1]}` });
  for (const f of ['periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) {
    const v = asNum(probe[f]);
    if (v !== undefined && v < 1) causes.push(invalid(`${path}.${f}`, v, 'must be greater than or equal to 1'));
  }
  causes.push(...nonNegative(`${path}.initialDelaySeconds`, probe.initialDelaySeconds));
  const http = asObj(probe.httpGet);
  if (http) validateProbePort(http.port, `${path}.httpGet.port`, causes);
  const tcp = asObj(probe.tcpSocket);
  if (tcp) validateProbePort(tcp.port, `${path}.tcpSocket.port`, causes);
}

function validateProbePort(port: unknown, path: string, causes: StatusCause[]): void {
  if (typeof port === 'number') causes.push(...portNumber(port).map((m) => invalid(path, port, m)));
  else if (typeof port === 'string') causes.push(...portName(port).map((m) => invalid(path, port, m)));
}

function validateToleration(t: Obj | undefined, path: string): StatusCause[] {
  if (!t) return [];
  const causes = [...enumOf(`${path}.operator`, t.operator, TOLERATION_OPS), ...enumOf(`${path}.effect`, t.effect === '' ? undefined : t.effect, TAINT_EFFECTS)];
  if (t.operator === 'Exists' && typeof t.value === 'string' && t.value !== '') {
    causes.push(invalid(`${path}.operator`, t.operator, 'value must be empty when `operator` is \'Exists\''));
  }
  if (typeof t.key === 'string' && t.key !== '') causes.push(...each(`${path}.key`, t.key, qualifiedName(t.key)));
  else if (t.operator !== 'Exists' && t.operator !== undefined) causes.push(invalid(`${path}.operator`, t.operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    causes.push(invalid(`${path}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
  }
  return causes;
}

export { TAINT_EFFECTS, PROTOCOLS };
