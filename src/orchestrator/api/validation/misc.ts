import { compareQuantities, isQuantity } from '../quantity.js';
import type { KubeObject, StatusCause } from '../types.js';
import { parseCidr } from '../../util/cidr.js';
import { asArr, asNum, asObj, asStr, duplicate, each, enumOf, invalid, notSupported, positive, required, tooLong } from './causes.js';
import { configMapKey, portNumber } from './names.js';
import { TAINT_EFFECTS } from './pod.js';

const MAX_DATA_BYTES = 1024 * 1024;
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];

/** ConfigMap `data` + `binaryData`, Secret `data`: config keys, no key in both, at most 1 MiB. */
function validateDataKeys(obj: KubeObject, fields: string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const maps = fields.map((f) => asObj(obj[f]));
  // Duplicates are across the fields (data and binaryData): only the keys of the others are needed.
  const others = (i: number) => maps.some((m, j) => j !== i && m && Object.keys(m).length > 0);
  const seen = new Set<string>();
  let size = 0;
  fields.forEach((f, i) => {
    const m = maps[i];
    if (!m) return;
    const track = others(i);
    const base64 = f === 'data' && obj.kind === 'Secret';
    // Tens of thousands of keys: no per-key allocation unless a key has something to report.
    for (const k in m) {
      const v = m[k];
      const errs = configMapKey(k);
      if (errs.length) causes.push(...each(`${f}[${k}]`, k, errs));
      if (track) {
        if (seen.has(k)) causes.push(duplicate(`${f}[${k}]`, k));
        seen.add(k);
      }
      if (typeof v === 'string') size += base64 ? Math.floor((v.length * 3) / 4) : Buffer.byteLength(v);
    }
  });
  if (size > MAX_DATA_BYTES) causes.push(tooLong(fields[0] as string, MAX_DATA_BYTES));
  return causes;
}

export function validateConfigMap(obj: KubeObject): StatusCause[] {
  return validateDataKeys(obj, ['data', 'binaryData']);
}

export function validateSecret(obj: KubeObject): StatusCause[] {
  const causes = validateDataKeys(obj, ['data', 'stringData']);
  const data = asObj(obj.data) ?? {};
  const type = asStr(obj.type);
  const need = (key: string) => {
    if (data[key] === undefined) causes.push(required(`data[${key}]`));
  };
  if (type === 'kubernetes.io/dockerconfigjson') need('.dockerconfigjson');
  if (type === 'kubernetes.io/dockercfg') need('.dockercfg');
  if (type === 'kubernetes.io/basic-auth' && data.username === undefined && data.password === undefined) need('username');
  if (type === 'kubernetes.io/ssh-auth') need('ssh-privatekey');
  if (type === 'kubernetes.io/tls') {
    need('tls.crt');
    need('tls.key');
  }
  if (type === 'kubernetes.io/service-account-token' && !asObj(obj.metadata.annotations)?.['kubernetes.io/service-account.name']) {
    causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return causes;
}

function validateAccessModes(modes: unknown, path: string): StatusCause[] {
  const list = asArr(modes);
  if (list.length === 0) return [required(path, 'at least 1 access mode is required')];
  return list.flatMap((m) => (typeof m === 'string' && ACCESS_MODES.includes(m) ? [] : [notSupported(path, m, ACCESS_MODES)]));
}

export function validatePersistentVolumeClaim(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes = validateAccessModes(spec.accessModes, 'spec.accessModes');
  const storage = asObj(asObj(spec.resources)?.requests)?.storage;
  if (storage === undefined && !spec.dataSource && !spec.dataSourceRef) causes.push(required('spec.resources[storage]'));
  else if (storage !== undefined && isQuantity(storage) && compareQuantities(storage, 0) <= 0) {
    causes.push(invalid('spec.resources.requests[storage]', storage, 'must be greater than zero'));
  }
  causes.push(...enumOf('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  return causes;
}

export function validatePersistentVolume(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes = validateAccessModes(spec.accessModes, 'spec.accessModes');
  if (asObj(spec.capacity)?.storage === undefined) causes.push(required('spec.capacity'));
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) causes.push(required('spec', 'must specify a volume type'));
  else if (sources.length > 1) causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not specify more than 1 volume type', field: `spec.${sources[1]}` });
  causes.push(...enumOf('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, ['Delete', 'Recycle', 'Retain']));
  causes.push(...enumOf('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  return causes;
}

export function validateNode(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  asArr(asObj(obj.spec)?.taints).forEach((raw, i) => {
    const t = asObj(raw);
    if (!t) return;
    causes.push(...enumOf(`spec.taints[${i}].effect`, t.effect, TAINT_EFFECTS));
  });
  const spec = asObj(obj.spec) ?? {};
  const cidr = asStr(spec.podCIDR);
  if (cidr) {
    try {
      parseCidr(cidr);
    } catch (e) {
      causes.push(invalid('spec.podCIDR', cidr, e instanceof Error ? e.message : String(e)));
    }
  }
  const cidrs = asArr(spec.podCIDRs);
  if (cidrs.length > 0 && cidrs[0] !== cidr) causes.push(invalid('spec.podCIDRs', cidrs, 'the first entry must match spec.podCIDR'));
  if (cidrs.length > 1) causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${cidrs.length}: must have at most 1 items (IPv4 only)`, field: 'spec.podCIDRs' });
  return causes;
}

export function validateEvent(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const io = asObj(obj.involvedObject);
  const ns = obj.metadata.namespace;
  const ioNs = asStr(io?.namespace);
  if (ioNs && ns && ioNs !== ns) causes.push(invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
  causes.push(...enumOf('type', obj.type === '' ? undefined : obj.type, ['Normal', 'Warning']));
  const count = asNum(obj.count);
  if (count !== undefined && count < 0) causes.push(invalid('count', count, 'must be greater than or equal to 0'));
  return causes;
}

export function validateLease(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  return [...positive('spec.leaseDurationSeconds', spec.leaseDurationSeconds), ...(typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0 ? [invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0')] : [])];
}

export function validateNamespace(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  asArr(asObj(obj.spec)?.finalizers).forEach((f, i) => {
    if (typeof f === 'string' && f !== 'kubernetes' && !f.includes('/')) {
      causes.push(invalid(`spec.finalizers[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  causes.push(...enumOf('status.phase', asObj(obj.status)?.phase, ['Active', 'Terminating']));
  return causes;
}

export function validateHost(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes: StatusCause[] = [];
  const port = asNum(spec.port);
  if (port !== undefined) causes.push(...portNumber(port).map((m) => invalid('spec.port', port, m)));
  if (spec.address === '') causes.push(required('spec.address'));
  if (spec.user === '') causes.push(required('spec.user'));
  return causes;
}

/** pkg/apis/storage/validation: ValidateStorageClass, with its messages. */
export function validateStorageClass(obj: KubeObject): StatusCause[] {
  const sc = obj as KubeObject & { provisioner?: unknown; reclaimPolicy?: unknown; volumeBindingMode?: unknown; parameters?: unknown };
  const causes: StatusCause[] = [];
  const provisioner = asStr(sc.provisioner);
  if (!provisioner) causes.push(required('provisioner'));
  else if (provisioner.length > 253 || !/^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?(\/[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?$/.test(provisioner)) {
    causes.push(invalid('provisioner', provisioner, "a valid provisioner name must be a qualified name (a DNS-1123 subdomain, optionally prefixed, e.g. 'example.com/my-provisioner')"));
  }
  causes.push(...enumOf('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']));
  causes.push(...enumOf('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  const params = asObj(sc.parameters) ?? {};
  for (const [k, v] of Object.entries(params)) if (typeof v !== 'string') causes.push(invalid(`parameters[${k}]`, v, 'must be a string'));
  return causes;
}
