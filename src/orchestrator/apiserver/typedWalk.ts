import { propertySchema, refName, resolve, type SchemaObject } from '../api/schema/index.js';
import { fieldEl, FieldSet, keyEl, STEP, valueEl } from './fieldpath.js';
import { runSteps, type Steps } from '../util/pacer.js';

/**
 * How server-side apply sees each value, from the kind's OpenAPI schema: a scalar (or atomic
 * value, owned whole), a struct or map (each key a field), an associative list (items by key) or a
 * set. The rules of structured-merge-diff over the Kubernetes schema.
 */
export type Shape =
  | { t: 'leaf' }
  | { t: 'map'; schema?: SchemaObject; declared: boolean }
  | { t: 'listMap'; keys: string[]; items?: SchemaObject }
  | { t: 'set' };

/** Struct types Kubernetes marks `+structType=atomic` / `+mapType=atomic`: owned and replaced whole. */
const ATOMIC_TYPES = new Set(
  [
    'meta.v1.LabelSelector',
    'core.v1.LocalObjectReference',
    'core.v1.ObjectReference',
    'core.v1.TypedLocalObjectReference',
    'core.v1.ConfigMapKeySelector',
    'core.v1.SecretKeySelector',
    'core.v1.ObjectFieldSelector',
    'core.v1.ResourceFieldSelector',
    'core.v1.NodeSelector',
    'core.v1.TopologySelectorTerm',
    'core.v1.NodeSelectorTerm',
  ].map((n) => n.split('.').slice(-1)[0] as string),
);

/** Key fields an item may leave out because the server defaults them (as in the OpenAPI defaults). */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Shapes that follow from the schema alone, per property schema: a map of 40,000 strings asks for
 * the shape of its value schema 40,000 times. Shapes that depend on the value are never kept.
 */
const fixedShapes = new WeakMap<SchemaObject, Shape>();
const LEAF: Shape = { t: 'leaf' };

/** The shape of a value under property schema `prop` (undefined: nothing known, judged by the value). */
export function shapeOf(prop: SchemaObject | undefined, value: unknown): Shape {
  if (!prop) return isMap(value) ? { t: 'map', declared: false } : LEAF;
  const fixed = fixedShapes.get(prop);
  if (fixed) return fixed;
  const [shape, byValue] = shapeOfSchema(prop, value);
  if (!byValue) fixedShapes.set(prop, shape);
  return shape;
}

/** The shape, and whether it depended on the value. */
function shapeOfSchema(prop: SchemaObject, value: unknown): [Shape, boolean] {
  const listType = prop['x-kubernetes-list-type'];
  const strategy = (prop['x-kubernetes-patch-strategy'] ?? '').split(',');
  const resolved = resolve(prop);
  if (resolved.type === 'array' || listType) {
    const items = resolved.items ?? prop.items;
    if (listType === 'map' && prop['x-kubernetes-list-map-keys']?.length) return [{ t: 'listMap', keys: prop['x-kubernetes-list-map-keys'], items }, false];
    if (listType === 'set') return [{ t: 'set' }, false];
    if (!listType && strategy.includes('merge')) {
      const key = prop['x-kubernetes-patch-merge-key'];
      return [key ? { t: 'listMap', keys: [key], items } : { t: 'set' }, false];
    }
    return [LEAF, false];
  }
  const name = refName(prop);
  if ((name && ATOMIC_TYPES.has(name.split('.').slice(-1)[0] as string)) || resolved['x-kubernetes-map-type'] === 'atomic') return [LEAF, false];
  if (resolved.properties) return [{ t: 'map', schema: resolved, declared: true }, false];
  if (resolved.additionalProperties || resolved.type === 'object' || resolved['x-kubernetes-preserve-unknown-fields']) {
    return [isMap(value) ? { t: 'map', schema: resolved, declared: false } : LEAF, true];
  }
  return [LEAF, false];
}

/** The schema of field `key` of a map shape (a declared property, or the map's value schema). */
export function childSchema(shape: Shape & { t: 'map' }, key: string): SchemaObject | undefined {
  return shape.schema ? propertySchema(shape.schema, key) : undefined;
}

/** The `k:` element of an associative-list item, or undefined when a key is missing. */
export function itemKey(keys: string[], item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const k: Record<string, unknown> = {};
  for (const f of keys) {
    const v = item[f] ?? KEY_DEFAULTS[f];
    if (v === undefined || v === null) return undefined;
    k[f] = v;
  }
  return keyEl(k);
}

/** Every field `obj` sets, as an applier owns them (structured-merge-diff's ToFieldSet). */
export function toFieldSet(root: SchemaObject | undefined, obj: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (prop: SchemaObject | undefined, v: unknown, path: string[], rootNode = false) => {
    const shape = rootNode && root ? ({ t: 'map', schema: root, declared: true } as Shape) : shapeOf(prop, v);
    switch (shape.t) {
      case 'leaf':
        set.add(path);
        return;
      case 'map':
        if (!isMap(v) || Object.keys(v).length === 0) {
          if (!rootNode) set.add(path);
          return;
        }
        for (const [k, c] of Object.entries(v)) {
          const cp = [...path, fieldEl(k)];
          const declared = shape.declared && !!shape.schema?.properties?.[k];
          walk(childSchema(shape, k), c, cp);
          if (!declared || c === null) set.add(cp);
        }
        return;
      case 'listMap':
        if (!Array.isArray(v)) return set.add(path);
        for (const item of v) {
          const el = itemKey(shape.keys, item);
          if (!el) continue;
          const ip = [...path, el];
          set.add(ip);
          walk(shape.items, item, ip);
        }
        return;
      case 'set':
        if (!Array.isArray(v)) return set.add(path);
        for (const item of v) set.add([...path, valueEl(item)]);
        return;
    }
  };
  walk(undefined, obj, [], true);
  return set;
}

/** Fields Go always serializes (non-pointer structs, lists without omitempty): never "added", so their own path is not owned. */
const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy', 'containers']);

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs`, field by field (structured-merge-diff's Compare), in steps:
 * maps of scalars of more than {@link STEP} keys (a big ConfigMap's data) are compared last,
 * yielding after every {@link STEP} keys, so a caller may let the event loop turn.
 */
export function* compareSteps(root: SchemaObject | undefined, lhs: unknown, rhs: unknown): Steps<Comparison> {
  const big: BigMap[] = [];
  const c = compareWith(root, lhs, rhs, big);
  for (const [lm, rm, parent] of big) {
    yield;
    yield* compareScalarMapSteps(c, lm, rm, parent);
  }
  return c;
}

/** A big map of scalars left for later: its two sides and its path as FieldSet spells it. */
type BigMap = [Record<string, unknown>, Record<string, unknown>, string];

/**
 * The comparison, except maps of scalars of more than STEP keys: those are left in `big`. Paths are
 * carried as FieldSet spells them (`FieldSet.child`), not as arrays: a pod's hundred-odd fields
 * would otherwise each copy the path above them.
 */
function compareWith(root: SchemaObject | undefined, lhs: unknown, rhs: unknown, big: BigMap[]): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const leaf = (l: unknown, r: unknown, path: string) => {
    // Absent and null are one value once decoded (Go writes a zero time, absent or not, as null).
    if ((l ?? null) === null && (r ?? null) === null) return;
    if (l === undefined) c.added.addJoined(path);
    else if (r === undefined) c.removed.addJoined(path);
    else if (!deepEqual(l, r)) c.modified.addJoined(path);
  };
  const empty = (x: unknown) => x === undefined || x === null || (isMap(x) && Object.keys(x).length === 0) || (Array.isArray(x) && x.length === 0);
  // `path`: as FieldSet spells it; `depth`: its length; `last`: its last element ('' at the root).
  const walk = (prop: SchemaObject | undefined, l: unknown, r: unknown, path: string, depth: number, last: string, rootNode = false) => {
    if (l === undefined && r === undefined) return;
    // Nothing below changed: the same value, or (at the top, where a status write leaves the
    // whole spec alone) an equal one; one deepEqual is cheaper than walking every field.
    if (l === r || (depth <= 1 && deepEqual(l, r))) return;
    const shape = rootNode && root ? ({ t: 'map', schema: root, declared: true } as Shape) : shapeOf(prop, r ?? l);
    if (shape.t === 'leaf' || (!rootNode && empty(l) && empty(r))) return leaf(l, r, path);
    if (!rootNode && ((l === undefined && r !== undefined) || (r === undefined && l !== undefined))) {
      const item = last.startsWith('k:');
      if (item || !ALWAYS_PRESENT.has(last.slice(2))) (l === undefined ? c.added : c.removed).addJoined(path);
    }
    if (shape.t === 'map') {
      const lm = isMap(l) ? l : {};
      const rm = isMap(r) ? r : {};
      if (scalarValues(shape)) {
        if (moreKeysThan(lm, STEP) || moreKeysThan(rm, STEP)) big.push([lm, rm, path]);
        else runSteps(compareScalarMapSteps(c, lm, rm, path));
        return;
      }
      const field = (k: string) => {
        const el = fieldEl(k);
        walk(childSchema(shape, k), own(lm, k), own(rm, k), FieldSet.child(path, el), depth + 1, el);
      };
      for (const k in rm) field(k);
      for (const k in lm) if (!Object.hasOwn(rm, k)) field(k);
    } else if (shape.t === 'listMap') {
      const index = (list: unknown) => {
        const m = new Map<string, unknown>();
        if (Array.isArray(list)) for (const it of list) {
          const k = itemKey(shape.keys, it);
          if (k && !m.has(k)) m.set(k, it);
        }
        return m;
      };
      const li = index(l);
      const ri = index(r);
      for (const [k, v] of ri) walk(shape.items, li.get(k), v, FieldSet.child(path, k), depth + 1, k);
      for (const [k, v] of li) if (!ri.has(k)) walk(shape.items, v, undefined, FieldSet.child(path, k), depth + 1, k);
    } else {
      const ls = new Set((Array.isArray(l) ? l : []).map(valueEl));
      const rs = new Set((Array.isArray(r) ? r : []).map(valueEl));
      for (const v of rs) if (!ls.has(v)) c.added.addChild(path, v);
      for (const v of ls) if (!rs.has(v)) c.removed.addChild(path, v);
    }
  };
  walk(undefined, l0(lhs), l0(rhs), '', 0, '', true);
  return c;
}

/** A map (not a struct) whose values are scalars by schema: labels, annotations, a ConfigMap's data. */
function scalarValues(shape: Shape & { t: 'map' }): boolean {
  if (shape.declared || !shape.schema) return false;
  const ap = shape.schema.additionalProperties;
  if (!ap || typeof ap !== 'object' || ap['x-kubernetes-list-type']) return false;
  const t = resolve(ap).type;
  return refName(ap) === undefined && (t === 'string' || t === 'integer' || t === 'number' || t === 'boolean');
}

/**
 * `compare` for a map of scalars, key by key without an array or a walk per key: the same
 * added/removed/modified leaves the general walk finds, for maps of tens of thousands of keys;
 * it yields after every STEP keys.
 */
function* compareScalarMapSteps(c: Comparison, lm: Record<string, unknown>, rm: Record<string, unknown>, parent: string): Steps<void> {
  let n = 0;
  for (const k in rm) {
    if (++n % STEP === 0) yield;
    const r = rm[k];
    const l = own(lm, k);
    if ((l ?? null) === null && (r ?? null) === null) continue;
    if (l === undefined) c.added.addChild(parent, fieldEl(k));
    else if (r === undefined) c.removed.addChild(parent, fieldEl(k));
    else if (!deepEqual(l, r)) c.modified.addChild(parent, fieldEl(k));
  }
  for (const k in lm) {
    if (++n % STEP === 0) yield;
    if (Object.hasOwn(rm, k)) continue;
    const l = lm[k];
    if ((l ?? null) !== null) c.removed.addChild(parent, fieldEl(k));
  }
}

/** `m[k]` if `m` has it: a label named `constructor` or `toString` must not find Object's. */
function own(m: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(m, k) ? m[k] : undefined;
}

function moreKeysThan(m: Record<string, unknown>, n: number): boolean {
  let i = 0;
  for (const _ in m) if (++i > n) return true;
  return false;
}

function l0(v: unknown): unknown {
  return v ?? {};
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  return ak.length === Object.keys(bo).length && ak.every((k) => k in bo && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}
