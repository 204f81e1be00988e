import { INT_OR_STRING, QUANTITY, refName, resolve, type SchemaObject } from '../schema/index.js';
import { isQuantity } from '../quantity.js';

/** A value the JSON decoder of the real API server would refuse (it answers 400 BadRequest). */
export interface DecodeProblem {
  field: string;
  /** As kube-apiserver words it, e.g. `json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string`. */
  message: string;
  /** Short form for a StatusCause, e.g. `Invalid value: 5: must be of type string`. */
  detail: string;
}

/** What one walk of an object against its schema found. */
export interface SchemaReport {
  /** Paths of fields the schema does not know (`spec.containers[0].imagee`), in document order. */
  unknown: string[];
  decode: DecodeProblem[];
  /** Paths of required fields that are missing (never under `status`, which the server does not check). */
  required: string[];
}

/** Required fields the real API server does not enforce even though the OpenAPI schema lists them. */
const NOT_ENFORCED = new Set(['io.k8s.api.discovery.v1.EndpointSlice.endpoints']);

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Ctx {
  report: SchemaReport;
  /**
   * Where the walk is: each step a field name, an array index or a map key (`kinds`: FIELD, INDEX,
   * KEY). Paths are spelled out only for a report: a pod's hundred-odd fields would otherwise each
   * build two strings nobody reads.
   */
  segs: (string | number)[];
  kinds: number[];
  /** When set, unknown fields are deleted from the object as they are found. */
  prune: boolean;
  /** When set, nulls are normalized in place as Go's decoder reads them (see {@link checkSchema}). */
  nulls: boolean;
  /** When set, only this top-level field is walked (see CheckOptions.part). */
  part?: string;
}

export interface CheckOptions {
  /** Delete unknown fields (the decoder drops them unless validation is Strict). */
  prune?: boolean;
  /**
   * Rewrite nulls as the object would read once decoded into Go types and encoded again: a field
   * set to null is unset (left out), except a time, which Go writes back as `null`; a null list
   * item or map value is its type's zero value (`{}`, `""`, `0`, `false`, `"0"` for a quantity),
   * so `resources: null` or `requests: {cpu: null}` never reaches code that walks the object.
   */
  nulls?: boolean;
  /**
   * Walk only this top-level field (`status`, for a status write: the rest of the object is the
   * stored one, checked when it was written); the object's own required fields are not checked.
   */
  part?: string;
}

/**
 * Walks `obj` against the schema of its kind, collecting unknown fields, values of the wrong type
 * (integers out of their format's range included) and missing required fields. `null` is always
 * accepted: the decoder treats it as "unset".
 */
export function checkSchema(root: SchemaObject, obj: unknown, opts: CheckOptions = {}): SchemaReport {
  const ctx: Ctx = { report: { unknown: [], decode: [], required: [] }, segs: [], kinds: [], prune: opts.prune ?? false, nulls: opts.nulls ?? false, part: opts.part };
  walk(ctx, root, obj, undefined, false);
  return ctx.report;
}

const FIELD = 0;
const INDEX = 1;
const KEY = 2;

/** The path of the value being walked, as reports spell it: `spec.containers[0].ports[1]`, `metadata.labels[app]`. */
function pathOf(ctx: Ctx): string {
  let out = '';
  for (let i = 0; i < ctx.segs.length; i++) {
    const seg = ctx.segs[i] as string | number;
    out = ctx.kinds[i] === FIELD ? join(out, seg as string) : `${out}[${seg}]`;
  }
  return out;
}

/** The same path without indices or map keys, as Go's decoder prints it: `spec.containers.ports`. */
function goPathOf(ctx: Ctx): string {
  let out = '';
  for (let i = 0; i < ctx.segs.length; i++) if (ctx.kinds[i] === FIELD) out = join(out, ctx.segs[i] as string);
  return out;
}

/** Walks `value` one step below where the walk is (a field, an index or a map key). */
function walkAt(ctx: Ctx, seg: string | number, kind: number, prop: SchemaObject, value: unknown, struct: string | undefined, inStatus: boolean): void {
  ctx.segs.push(seg);
  ctx.kinds.push(kind);
  walk(ctx, prop, value, struct, inStatus);
  ctx.segs.pop();
  ctx.kinds.pop();
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Whether an integer fits its OpenAPI format as Go's decoder would hold it. An int64 beyond
 * ±(2^53 - 1) is refused too: a JavaScript number cannot hold it exactly, and storing a rounded
 * value would change what the client sent.
 */
function fitsFormat(v: number, format: string | undefined): boolean {
  if (format === 'int32') return v >= INT32_MIN && v <= INT32_MAX;
  return Number.isSafeInteger(v);
}

function isTime(p: SchemaObject): boolean {
  const n = refName(p);
  return n === `${META}Time` || n === `${META}MicroTime`;
}

/** The JSON zero value of a type, for a null list item or map value (undefined: leave the null). */
function zeroOf(p: SchemaObject): unknown {
  const n = refName(p);
  if (n === QUANTITY) return '0';
  if (n === INT_OR_STRING) return 0;
  if (isTime(p)) return undefined;
  const s = resolve(p);
  if (s['x-kubernetes-preserve-unknown-fields']) return undefined;
  switch (s.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
    case undefined:
      return {};
  }
  return undefined;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : `number ${v}`;
  return typeof v === 'object' ? 'object' : typeof v;
}

export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? 'null';
}

/** The Go type name the decoder would print for a schema (`[]v1.Container`, `map[string]string`, `int32`). */
function goType(s: SchemaObject): string {
  const n = refName(s);
  if (n) {
    if (n === QUANTITY) return 'resource.Quantity';
    if (n === INT_OR_STRING) return 'intstr.IntOrString';
    const parts = n.split('.');
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  switch (s.type) {
    case 'array':
      return `[]${s.items ? goType(s.items) : 'interface {}'}`;
    case 'object':
      return s.additionalProperties && typeof s.additionalProperties === 'object' ? `map[string]${goType(s.additionalProperties)}` : 'map[string]interface {}';
    case 'integer':
      return s.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'string';
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A value of the wrong JSON type, as Go's decoder words it (a function of its own: walk is hot). */
function typeError(ctx: Ctx, value: unknown, expected: string, struct: string | undefined): void {
  const where = struct ? `Go struct field ${struct}.${goPathOf(ctx)}` : 'Go value';
  ctx.report.decode.push({
    field: pathOf(ctx),
    message: `json: cannot unmarshal ${jsonType(value)} into ${where} of type ${expected}`,
    detail: `Invalid value: ${showValue(value)}: must be of type ${expected}`,
  });
}

/** @param struct  short name of the Go struct holding this field */
function walk(ctx: Ctx, prop: SchemaObject, value: unknown, struct: string | undefined, inStatus: boolean): void {
  if (value === null || value === undefined) return;
  const name = refName(prop);
  const s = resolve(prop);
  if (name === QUANTITY) {
    if (!isQuantity(value)) {
      ctx.report.decode.push({
        field: pathOf(ctx),
        message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        detail: `Invalid value: ${showValue(value)}: must be a valid quantity`,
      });
    }
    return;
  }
  if (name === INT_OR_STRING) {
    if (typeof value === 'number' && Number.isInteger(value) && !fitsFormat(value, 'int32')) {
      // IntOrString decodes its number into an int32 with a json.Unmarshal of its own.
      ctx.report.decode.push({ field: pathOf(ctx), message: `json: cannot unmarshal number ${value} into Go value of type int32`, detail: `Invalid value: ${value}: must be a 32-bit integer` });
    } else if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) typeError(ctx, value, 'intstr.IntOrString', struct);
    return;
  }
  if (name === `${META}Time` || name === `${META}MicroTime`) {
    if (typeof value !== 'string') typeError(ctx, value, 'string', struct);
    else if (!TIME.test(value) || Number.isNaN(Date.parse(value))) {
      ctx.report.decode.push({
        field: pathOf(ctx),
        message: `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`,
        detail: `Invalid value: ${showValue(value)}: must be an RFC 3339 time`,
      });
    }
    return;
  }
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') return typeError(ctx, value, 'string', struct);
      if (s.format === 'byte' && !BASE64.test(value)) {
        const at = firstBadBase64(value);
        ctx.report.decode.push({ field: pathOf(ctx), message: `illegal base64 data at input byte ${at}`, detail: `Invalid value: ${showValue(value)}: must be base64-encoded` });
      }
      return;
    case 'integer':
      if (typeof value !== 'number') return typeError(ctx, value, goType(s), struct);
      if (!Number.isInteger(value) || !fitsFormat(value, s.format)) {
        // Go names the number itself when it does not fit the integer type.
        const where = struct ? `Go struct field ${struct}.${goPathOf(ctx)}` : 'Go value';
        const range = s.format === 'int32' ? 'a 32-bit integer' : 'an integer between -(2^53-1) and 2^53-1';
        ctx.report.decode.push({
          field: pathOf(ctx),
          message: `json: cannot unmarshal number ${value} into ${where} of type ${goType(s)}`,
          detail: `Invalid value: ${value}: must be ${range}`,
        });
      }
      return;
    case 'number':
      if (typeof value !== 'number') typeError(ctx, value, 'float64', struct);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') typeError(ctx, value, 'bool', struct);
      return;
    case 'array':
      if (!Array.isArray(value)) return typeError(ctx, value, goType(prop), struct);
      if (!s.items) return;
      for (let i = 0; i < value.length; i++) {
        if (value[i] === null && ctx.nulls) {
          const zero = zeroOf(s.items);
          if (zero !== undefined) value[i] = zero;
        }
        walkAt(ctx, i, INDEX, s.items, value[i], struct, inStatus);
      }
      return;
    case 'object':
    case undefined:
      if (typeof value !== 'object' || Array.isArray(value)) return typeError(ctx, value, goType(prop), struct);
      return walkObject(ctx, s, name, value as Record<string, unknown>, struct, inStatus);
  }
}

function walkObject(ctx: Ctx, s: SchemaObject, name: string | undefined, obj: Record<string, unknown>, struct: string | undefined, inStatus: boolean): void {
  if (s.properties) {
    const here = name ? name.slice(name.lastIndexOf('.') + 1) : struct;
    const atRoot = ctx.segs.length === 0;
    // Own keys only (a JSON object has no other enumerable ones), in order, with no array of entries.
    for (const k in obj) {
      if (!Object.hasOwn(obj, k) || (atRoot && ctx.part !== undefined && k !== ctx.part)) continue;
      const v = obj[k];
      const p = Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (!p) {
        ctx.report.unknown.push(join(pathOf(ctx), k));
        if (ctx.prune) delete obj[k];
        continue;
      }
      if (v === null && ctx.nulls && !isTime(p)) {
        delete obj[k];
        continue;
      }
      if (v === null || v === undefined) continue;
      walkAt(ctx, k, FIELD, p, v, here, inStatus || (atRoot && k === 'status'));
    }
    if (!inStatus && s.required && !(atRoot && ctx.part !== undefined)) {
      for (const k of s.required) {
        if (obj[k] !== undefined && obj[k] !== null) continue;
        if (NOT_ENFORCED.has(`${name}.${k}`) || isStruct(s.properties[k])) continue;
        ctx.report.required.push(join(pathOf(ctx), k));
      }
    }
    return;
  }
  const ap = s.additionalProperties;
  if (ap && typeof ap === 'object') {
    // Maps of plain strings (labels, annotations, a ConfigMap's data: up to tens of thousands of
    // entries) need no walk per entry unless an entry is not a string.
    const plain = isPlainString(ap);
    for (const k in obj) {
      const v = obj[k];
      if (plain && typeof v === 'string') continue;
      if (v === null && ctx.nulls) {
        const zero = zeroOf(ap);
        if (zero !== undefined) obj[k] = zero;
      }
      walkAt(ctx, k, KEY, ap, obj[k], struct, inStatus);
    }
  }
}

/** A string with nothing more to check: no format, no named type (quantity, time, int-or-string). */
function isPlainString(p: SchemaObject): boolean {
  if (refName(p) !== undefined) return false;
  const s = resolve(p);
  return s.type === 'string' && s.format === undefined && !s['x-kubernetes-preserve-unknown-fields'];
}

/**
 * A field holding a nested struct. Go decodes a missing struct as its zero value and validates
 * what is inside, so such fields are never reported as missing themselves.
 */
function isStruct(p: SchemaObject | undefined): boolean {
  if (!p) return false;
  const n = refName(p);
  return n !== undefined && resolve(p).type === 'object';
}

function firstBadBase64(v: string): number {
  for (let i = 0; i < v.length; i++) if (!/[A-Za-z0-9+/=]/.test(v[i] as string)) return i;
  return Math.max(0, v.length - (v.length % 4 || 4));
}
