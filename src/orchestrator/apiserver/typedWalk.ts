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

/** Prefixes of paths left out, as a tree of elements: `true` drops the path there and all below it. */
export type PathCut = Map<string, PathCut | true>;

/** The {@link PathCut} of `prefixes` (each a list of elements). */
export function pathCut(prefixes: string[][]): PathCut {
  const root: PathCut = new Map();
  for (const p of prefixes) {
    let at = root;
    p.forEach((el, i) => {
      const next = at.get(el);
      if (next === true) return;
      if (i === p.length - 1) at.set(el, true);
      else {
        const sub: PathCut = next ?? new Map();
        at.set(el, sub);
        at = sub;
      }
    });
  }
  return root;
}

const ROOT_SHAPE = (root: SchemaObject): Shape => ({ t: 'map', schema: root, declared: true });

/**
 * The `fieldsV1` tree of every field `obj` sets, without the paths `cut` drops: exactly what
 * `compareSteps(root, undefined, obj).added.withoutPrefixes(...).toFieldsV1Steps()` writes (a
 * create's managed fields), in one walk that builds the tree as it goes, with no FieldSet of joined
 * paths in between. Undefined when no field is left. It yields while it fills maps of scalars of
 * more than {@link STEP} keys (a big ConfigMap's data), as the comparison does.
 */
export function* addedFieldsV1Steps(root: SchemaObject | undefined, obj: unknown, cut: PathCut): Steps<Record<string, unknown> | undefined> {
  const big: [Record<string, unknown>, Record<string, unknown>, PathCut | undefined][] = [];
  // `last`: the node's own element ('' at the root), for the rules on which nodes are members.
  const build = (prop: SchemaObject | undefined, r: unknown, last: string, cut: PathCut | undefined, rootNode: boolean): Record<string, unknown> | undefined => {
    if (r === undefined) return undefined;
    const shape = rootNode && root ? ROOT_SHAPE(root) : shapeOf(prop, r);
    // As compareWith's leaf(): a null is no value; an empty map or list is a value owned whole.
    if (shape.t === 'leaf' || (!rootNode && isEmptyValue(r))) return r === null ? undefined : {};
    const member = !rootNode && (last.startsWith('k:') || !ALWAYS_PRESENT.has(last.slice(2)));
    const kids: [string, Record<string, unknown>][] = [];
    if (shape.t === 'map') {
      const rm = isMap(r) ? r : {};
      if (scalarValues(shape)) {
        if (moreKeysThan(rm, STEP)) {
          let any = false;
          for (const k in rm) if ((rm[k] ?? null) !== null && cut?.get(fieldEl(k)) !== true) { any = true; break; }
          if (!any) return member ? {} : undefined;
          // Filled after the walk, in steps; its keys are written then, so its place is kept now.
          const o: Record<string, unknown> = member ? { '.': {} } : {};
          big.push([o, rm, cut]);
          return o;
        }
        for (const k in rm) {
          if ((rm[k] ?? null) === null) continue;
          const el = fieldEl(k);
          if (cut?.get(el) !== true) kids.push([el, {}]);
        }
      } else {
        for (const k in rm) {
          const el = fieldEl(k);
          const sub = cut?.get(el);
          if (sub === true) continue;
          const c = build(childSchema(shape, k), own(rm, k), el, sub, false);
          if (c) kids.push([el, c]);
        }
      }
    } else if (shape.t === 'listMap') {
      if (Array.isArray(r)) {
        const seen = new Set<string>();
        for (const it of r) {
          const el = itemKey(shape.keys, it);
          if (!el || seen.has(el)) continue;
          seen.add(el);
          const sub = cut?.get(el);
          if (sub === true) continue;
          const c = build(shape.items, it, el, sub, false);
          if (c) kids.push([el, c]);
        }
      }
    } else if (Array.isArray(r)) {
      const seen = new Set<string>();
      for (const v of r) {
        const el = valueEl(v);
        if (seen.has(el) || cut?.get(el) === true) continue;
        seen.add(el);
        kids.push([el, {}]);
      }
    }
    if (kids.length === 0) return member ? {} : undefined;
    sortKids(kids);
    const o: Record<string, unknown> = member ? { '.': {} } : {};
    for (const [el, c] of kids) o[el] = c;
    return o;
  };
  const tree = build(undefined, obj ?? {}, '', cut, true);
  for (const [o, rm, c] of big) {
    const els: string[] = [];
    let n = 0;
    for (const k in rm) {
      if (++n % STEP === 0) yield;
      if ((rm[k] ?? null) === null) continue;
      const el = fieldEl(k);
      if (c?.get(el) !== true) els.push(el);
    }
    yield;
    els.sort();
    for (let i = 0; i < els.length; i++) {
      if (i > 0 && i % STEP === 0) yield;
      o[els[i] as string] = {};
    }
  }
  return tree && Object.keys(tree).length > 0 ? tree : undefined;
}

/** Sorts by element: insertion sort in place for the few children most nodes have (Array.sort allocated per node). */
function sortKids(kids: [string, unknown][]): void {
  if (kids.length > 16) {
    kids.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return;
  }
  for (let i = 1; i < kids.length; i++) {
    const k = kids[i] as [string, unknown];
    let j = i - 1;
    while (j >= 0 && (kids[j] as [string, unknown])[0] > k[0]) {
      kids[j + 1] = kids[j] as [string, unknown];
      j--;
    }
    kids[j + 1] = k;
  }
}

const isEmptyValue = (x: unknown) => x === null || (isMap(x) && Object.keys(x).length === 0) || (Array.isArray(x) && x.length === 0);

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
