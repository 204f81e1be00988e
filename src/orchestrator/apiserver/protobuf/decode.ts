import { errors } from '../../api/errors.js';
import raw from './descriptors.json';
import { float32, float64, intOf, isZero, ProtoError, readFields, readPackedVarints, signed32, signed64, text, unsigned32, unsigned64, WIRE, zigzag, type WireField } from './wire.js';

/** `[number, name, type, repeated, typeName?]`, types as protobuf's FieldDescriptorProto codes. */
type FieldDesc = [number, string, number, 0 | 1, string?];
interface MessageDesc {
  f: FieldDesc[];
  map?: 1;
}
const descriptors = raw as unknown as Record<string, MessageDesc>;

const T = { DOUBLE: 1, FLOAT: 2, INT64: 3, UINT64: 4, INT32: 5, FIXED64: 6, FIXED32: 7, BOOL: 8, STRING: 9, MESSAGE: 11, BYTES: 12, UINT32: 13, ENUM: 14, SFIXED32: 15, SFIXED64: 16, SINT32: 17, SINT64: 18 } as const;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/**
 * Envelopes nested in envelopes (an object in a RawExtension holding another, ...). Message types
 * themselves never nest without end (their graph has no cycle), so this bounds the recursion.
 */
const MAX_ENVELOPES = 16;

/** True for the media type Kubernetes' protobuf serializer uses. */
export function isKubeProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().split(';')[0]?.trim() === 'application/vnd.kubernetes.protobuf';
}

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown{typeMeta, raw}) into the JSON
 * object the same request would have carried as `application/json`. Go's JSON encoder leaves out
 * empty strings, false and zero numbers of `omitempty` fields while gogo-protobuf writes every
 * non-pointer field, so zero values are dropped here, except the numbers that are pointers in the
 * Go types (an explicit `replicas: 0` must survive). Throws a 400 ApiError for anything malformed.
 */
export function decodeKubeProtobuf(buf: Uint8Array, envelopes = 0): Record<string, unknown> {
  try {
    if (envelopes >= MAX_ENVELOPES) throw new ProtoError(`objects embedded more than ${MAX_ENVELOPES} deep`);
    if (buf.length < 4 || MAGIC.some((b, i) => buf[i] !== b)) throw new ProtoError('missing the "k8s\\0" prefix');
    const unknown = readFields(buf.subarray(4));
    const typeMeta = readFields(bytesOf(unknown, 1));
    const apiVersion = text(bytesOf(typeMeta, 1));
    const kind = text(bytesOf(typeMeta, 2));
    const encoding = text(bytesOf(unknown, 3));
    if (encoding) throw new ProtoError(`unsupported content encoding ${encoding}`);
    const name = messageName(apiVersion, kind);
    if (!name) throw new ProtoError(`no protobuf type is known for ${apiVersion}, Kind=${kind}`);
    const obj = decodeMessage(name, bytesOf(unknown, 2), envelopes) as Record<string, unknown>;
    return { apiVersion, kind, ...obj };
  } catch (e) {
    if (e instanceof ProtoError) throw errors.badRequest(`the body of the request could not be decoded as protobuf: ${e.message}`);
    throw e;
  }
}

function bytesOf(fields: WireField[], no: number): Uint8Array {
  const f = fields.find((x) => x.no === no && x.wire === WIRE.LEN);
  return f?.bytes ?? new Uint8Array();
}

function messageName(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const candidates =
    group === '' ? [`k8s.io.api.core.${version}.${kind}`, `${META}${kind}`] : group === 'meta.k8s.io' ? [`${META}${kind}`] : [`k8s.io.api.${group.split('.')[0]}.${version}.${kind}`];
  return candidates.find((c) => descriptors[c]);
}

/**
 * Go structs embedded with `json:",inline"`: on the wire a field of their own, in JSON their fields
 * sit in the parent (a Volume's `hostPath`, not `volumeSource.hostPath`). Keyed `message/field`; a
 * unit test checks every protobuf field of a kind's messages is a JSON property or listed here.
 */
export const INLINE_FIELDS: ReadonlySet<string> = new Set([
  ...['ConfigMapEnvSource', 'ConfigMapKeySelector', 'ConfigMapProjection', 'ConfigMapVolumeSource', 'SecretEnvSource', 'SecretKeySelector', 'SecretProjection'].map((m) => `k8s.io.api.core.v1.${m}/localObjectReference`),
  'k8s.io.api.core.v1.EphemeralContainer/ephemeralContainerCommon',
  'k8s.io.api.core.v1.PersistentVolumeSpec/persistentVolumeSource',
  'k8s.io.api.core.v1.Probe/handler',
  'k8s.io.api.core.v1.Volume/volumeSource',
  'k8s.io.api.networking.v1.IngressRule/ingressRuleValue',
]);

/** Fields whose protobuf name is not their JSON name (`message/protobuf name` -> JSON name). */
export const JSON_NAMES: ReadonlyMap<string, string> = new Map([['k8s.io.api.networking.v1.IngressClassParametersReference/aPIGroup', 'apiGroup']]);

/** Integer fields that are pointers in the Go types: zero is a value there, not "unset". */
const POINTER_NUMBERS = new Set([
  'replicas', 'expirationSeconds', 'parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes',
  'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'terminationGracePeriodSeconds', 'progressDeadlineSeconds',
  'revisionHistoryLimit', 'startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit',
  'gracePeriodSeconds', 'deletionGracePeriodSeconds', 'defaultMode', 'mode', 'runAsUser', 'runAsGroup', 'fsGroup',
  'priority', 'minAvailable', 'maxUnavailable', 'maxSurge', 'partition', 'seconds',
]);

function decodeMessage(name: string, bytes: Uint8Array, envelopes: number): unknown {
  switch (name) {
    case `${META}Time`:
    case `${META}MicroTime`:
      return decodeTime(bytes, name.endsWith('MicroTime'));
    case `${META}Duration`:
      return goDuration(signed64(intOf(readFields(bytes).find((f) => f.no === 1))));
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return text(bytesOf(readFields(bytes), 1));
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
      const f = readFields(bytes);
      const type = signed32(intOf(f.find((x) => x.no === 1)));
      return type === 1 ? text(bytesOf(f, 3)) : signed32(intOf(f.find((x) => x.no === 2)));
    }
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${META}FieldsV1`:
      return decodeRaw(bytesOf(readFields(bytes), 1), envelopes);
  }
  const desc = descriptors[name];
  if (!desc) throw new ProtoError(`unknown message type ${name}`);
  const byNo = new Map(desc.f.map((f) => [f[0], f]));
  const out: Record<string, unknown> = {};
  for (const wf of readFields(bytes)) {
    const fd = byNo.get(wf.no);
    if (!fd) continue; // a field newer than our descriptors: ignored, as proto2 does
    const [, protoName, type, repeated, typeName] = fd;
    const fname = JSON_NAMES.get(`${name}/${protoName}`) ?? protoName;
    const entry = typeName ? descriptors[typeName] : undefined;
    if (repeated && entry?.map) {
      const m = (out[fname] as Record<string, unknown> | undefined) ?? {};
      const kv = decodeMessage(typeName as string, wf.bytes ?? new Uint8Array(), envelopes) as { key?: unknown; value?: unknown };
      // An own property whatever the key is (`__proto__` too), as JSON.parse makes it.
      Object.defineProperty(m, String(kv.key ?? ''), { value: kv.value ?? emptyOf(entry, 2), enumerable: true, writable: true, configurable: true });
      out[fname] = m;
      continue;
    }
    const packed = wf.wire === WIRE.LEN && type !== T.STRING && type !== T.BYTES && type !== T.MESSAGE;
    // Only repeated scalars are packed; gogo-protobuf refuses a length-delimited singular number
    // (and a 3 MB "packed" singular field would otherwise decode millions of values to keep one).
    if (packed && !repeated) throw new ProtoError(`wrong wireType = ${wf.wire} for field ${fname}`);
    const values = packed
      ? readPackedVarints(wf.bytes ?? new Uint8Array()).map((v) => scalar(type, { no: wf.no, wire: WIRE.VARINT, int: v }))
      : [type === T.MESSAGE ? decodeMessage(typeName as string, wf.bytes ?? new Uint8Array(), envelopes) : scalar(type, wf)];
    if (repeated) {
      // Appended in place: copying the list for each element would be quadratic in its length.
      const list = (out[fname] as unknown[] | undefined) ?? [];
      for (const v of values) list.push(v);
      out[fname] = list;
    } else if (INLINE_FIELDS.has(`${name}/${fname}`)) Object.assign(out, values[values.length - 1]);
    else out[fname] = values[values.length - 1];
  }
  for (const [k, v] of Object.entries(out)) {
    if (v === undefined || v === '' || v === false || (v === 0 && !POINTER_NUMBERS.has(k)) || (Array.isArray(v) && v.length === 0)) delete out[k];
  }
  return out;
}

/** The JSON zero of a map entry's value, for entries whose value field was omitted on the wire. */
function emptyOf(entry: MessageDesc, no: number): unknown {
  const t = entry.f.find((f) => f[0] === no)?.[2];
  return t === T.STRING || t === T.BYTES ? '' : t === T.MESSAGE ? {} : t === T.BOOL ? false : 0;
}

function scalar(type: number, f: WireField): unknown {
  const i = intOf(f);
  switch (type) {
    case T.STRING:
      return text(f.bytes);
    case T.BYTES:
      return Buffer.from(f.bytes ?? new Uint8Array()).toString('base64');
    case T.BOOL:
      return !isZero(i);
    case T.INT32:
    case T.SFIXED32:
    case T.ENUM:
      return signed32(i);
    case T.UINT32:
    case T.FIXED32:
      return unsigned32(i);
    case T.INT64:
    case T.SFIXED64:
      return signed64(i);
    case T.UINT64:
    case T.FIXED64:
      return unsigned64(i);
    case T.SINT32:
    case T.SINT64:
      return zigzag(i);
    case T.DOUBLE:
      return float64(i);
    case T.FLOAT:
      return float32(i);
    default:
      throw new ProtoError(`unsupported field type ${type}`);
  }
}

function decodeTime(bytes: Uint8Array, micro: boolean): string | undefined {
  const f = readFields(bytes);
  const seconds = signed64(intOf(f.find((x) => x.no === 1)));
  const nanos = signed32(intOf(f.find((x) => x.no === 2)));
  if (seconds === 0 && nanos === 0) return undefined;
  // Go's time.Time marshals years 0-9999 only; anything else is no time a client means.
  if (seconds < -62135596800 || seconds > 253402300799) throw new ProtoError(`time out of range: ${seconds}s`);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** An embedded object: JSON as sent, or a nested protobuf envelope. */
function decodeRaw(bytes: Uint8Array, envelopes: number): unknown {
  if (bytes.length === 0) return undefined;
  if (bytes.length >= 4 && MAGIC.every((b, i) => bytes[i] === b)) return decodeKubeProtobuf(bytes, envelopes + 1);
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ProtoError('an embedded object is neither JSON nor protobuf');
  }
}

/** Go's time.Duration String(): `1h2m3.5s`, `150ms`, `0s`. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let n = Math.abs(ns);
  if (n < 1e9) {
    if (n < 1e3) return `${sign}${n}ns`;
    if (n < 1e6) return `${sign}${trim(n / 1e3)}µs`;
    return `${sign}${trim(n / 1e6)}ms`;
  }
  const h = Math.floor(n / 3.6e12);
  n -= h * 3.6e12;
  const m = Math.floor(n / 6e10);
  n -= m * 6e10;
  const s = trim(n / 1e9);
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

function trim(x: number): string {
  return String(Number(x.toFixed(9)));
}
