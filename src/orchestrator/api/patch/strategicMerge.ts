import { ApiError, errors } from '../errors.js';
import { propertySchema, resolve, type SchemaObject } from '../schema/index.js';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), as apimachinery's
 * strategicpatch.StrategicMergeMapPatch applies it on the server with the options kube-apiserver
 * uses (MergeParallelList, IgnoreUnmatchedNulls). The object's schema says, per list, whether it
 * merges and by which key (`x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`); lists
 * without a strategy, and everything the schema does not describe, are replaced whole.
 *
 * Directives: `$patch: replace|delete|merge` (maps and list items), `$retainKeys`,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; `null` deletes a key.
 * Inputs are not modified.
 */
export function strategicMergePatch(target: unknown, patch: unknown, schema?: SchemaObject): unknown {
  if (!isMap(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
  const original = isMap(target) ? structuredClone(target) : {};
  return mergeMap(original, patch, schema);
}

type Map = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

function isMap(v: unknown): v is Map {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isDirectiveKey(k: string): boolean {
  return k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE);
}

function badPatchType(directive: unknown, where: unknown): ApiError {
  return errors.badRequest(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(where)}`);
}

/** Resolved schema of a property (or map value) of an object schema. */
function childProp(s: SchemaObject | undefined, key: string): SchemaObject | undefined {
  return s ? propertySchema(s, key) : undefined;
}

function typeOf(p: SchemaObject | undefined): SchemaObject | undefined {
  return p ? resolve(p) : undefined;
}

function mergeMap(original: Map, patch: Map, s: SchemaObject | undefined): Map {
  // Assigning `__proto__` would change a prototype, and reading it yields Object.prototype itself.
  if (Object.hasOwn(patch, '__proto__')) throw errors.badRequest('the key "__proto__" is not accepted');
  if (DIRECTIVE in patch) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') return clean(patch, s) as Map;
    if (d === 'delete') return {};
    if (d !== 'merge') throw badPatchType(d, patch);
  }
  if (RETAIN_KEYS in patch) {
    const keep = patch[RETAIN_KEYS];
    if (!Array.isArray(keep) || keep.some((k) => typeof k !== 'string')) throw errors.badRequest('invalid patch: $retainKeys must be a list of strings');
    for (const [k, v] of Object.entries(patch)) {
      if (!isDirectiveKey(k) && v !== null && !keep.includes(k)) {
        throw new ApiError(422, 'Invalid', 'The request is invalid: patch content doesn\'t match retainKeys list');
      }
    }
    for (const k of Object.keys(original)) if (!keep.includes(k)) delete original[k];
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVE)) continue;
    if (!Array.isArray(v)) throw errors.badRequest('invalid patch: $deleteFromPrimitiveList must be a list');
    const key = k.slice(DELETE_PRIMITIVE.length);
    const cur = original[key];
    if (Array.isArray(cur)) original[key] = cur.filter((x) => !v.some((d) => sameValue(d, x)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (isDirectiveKey(k)) continue;
    const prop = childProp(s, k);
    if (v === null) {
      delete original[k];
      continue;
    }
    const cur = Object.hasOwn(original, k) ? original[k] : undefined;
    const order = patch[`${SET_ORDER}${k}`];
    if (order !== undefined && !Array.isArray(order)) throw errors.badRequest(`invalid patch: ${SET_ORDER}${k} must be a list`);
    if (Array.isArray(v) && Array.isArray(cur)) {
      original[k] = mergeList(cur, v, prop, order as unknown[] | undefined);
    } else if (isMap(v) && isMap(cur)) {
      original[k] = mergeMap(cur, v, typeOf(prop));
    } else {
      original[k] = clean(v, prop);
    }
  }
  // A `$setElementOrder` for a list the patch does not otherwise touch reorders the existing list.
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const key = k.slice(SET_ORDER.length);
    if (!Array.isArray(order)) throw errors.badRequest(`invalid patch: ${k} must be a list`);
    const cur = original[key];
    if (key in patch || !Array.isArray(cur)) continue;
    original[key] = applyOrder(cur, cur, [], order, mergeKeyOf(childProp(s, key)));
  }
  return original;
}

function strategyOf(prop: SchemaObject | undefined): string[] {
  return (prop?.['x-kubernetes-patch-strategy'] ?? '').split(',').filter(Boolean);
}

function mergeKeyOf(prop: SchemaObject | undefined): string | undefined {
  return prop?.['x-kubernetes-patch-merge-key'];
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

function mergeList(original: unknown[], patch: unknown[], prop: SchemaObject | undefined, order: unknown[] | undefined): unknown[] {
  if (!strategyOf(prop).includes('merge')) return clean(patch, prop) as unknown[];
  const itemsProp = prop ? resolve(prop).items : undefined;
  const itemSchema = typeOf(itemsProp);
  if (patch.some((p) => isMap(p) && p[DIRECTIVE] === 'replace')) {
    return patch.filter((p) => !(isMap(p) && p[DIRECTIVE] === 'replace')).map((p) => clean(p, itemsProp));
  }
  const key = mergeKeyOf(prop);
  const merged = [...original];
  const touched: unknown[] = [];
  if (!key) {
    // A list of primitives with the merge strategy (finalizers): a union in original order.
    for (const p of patch) {
      if (!merged.some((m) => sameValue(m, p))) merged.push(p);
      touched.push(p);
    }
    return order ? applyOrder(merged, original, touched, order, undefined) : merged;
  }
  for (const p of patch) {
    if (!isMap(p)) throw errors.badRequest(`invalid patch: list item ${JSON.stringify(p)} is not an object`);
    if (!(key in p)) throw errors.badRequest(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = merged.findIndex((m) => isMap(m) && sameValue(m[key], p[key]));
    const directive = p[DIRECTIVE];
    if (directive === 'delete') {
      if (idx >= 0) merged.splice(idx, 1);
      continue;
    }
    if (directive !== undefined && directive !== 'merge' && directive !== 'replace') throw badPatchType(directive, p);
    if (idx >= 0) merged[idx] = directive === 'replace' ? clean(p, itemsProp) : mergeMap(merged[idx] as Map, p, itemSchema);
    else merged.push(clean(p, itemsProp));
    touched.push(p[key]);
  }
  return order ? applyOrder(merged, original, touched, order, key) : merged;
}

/**
 * normalizeElementOrder + mergeSortedSlice: items named in `order` come in that order; items only
 * the server had keep their place relative to the others by their original positions.
 */
function applyOrder(merged: unknown[], original: unknown[], touched: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (v: unknown) => (key && isMap(v) ? v[key] : v);
  const orderIds = order.map(id);
  const indexIn = (list: unknown[], v: unknown) => list.findIndex((x) => sameValue(x, v));
  const inOrder = (v: unknown) => indexIn(orderIds, id(v)) >= 0 || indexIn(touched, id(v)) >= 0;
  const patchSide = merged.filter(inOrder).sort((a, b) => rank(orderIds, id(a)) - rank(orderIds, id(b)));
  const serverOnly = merged.filter((v) => !inOrder(v));
  const serverOrder = original.map(id);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchSide.length) {
    if (i >= serverOnly.length) out.push(patchSide[j++]);
    else if (j >= patchSide.length) out.push(serverOnly[i++]);
    else {
      const li = indexIn(serverOrder, id(serverOnly[i]));
      const ri = indexIn(serverOrder, id(patchSide[j]));
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchSide[j++]);
    }
  }
  return out;
}

function rank(orderIds: unknown[], v: unknown): number {
  const i = orderIds.findIndex((x) => sameValue(x, v));
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

/**
 * A patch value placed where the original has nothing to merge with: directives and nulls are
 * dropped (IgnoreUnmatchedNulls), `$patch: delete` list items vanish. `prop` is the (unresolved)
 * schema of the value, when known.
 */
function clean(v: unknown, prop: SchemaObject | undefined): unknown {
  if (Array.isArray(v)) {
    const items = prop ? resolve(prop).items : undefined;
    return v.filter((x) => !(isMap(x) && (x[DIRECTIVE] === 'delete' || (x[DIRECTIVE] === 'replace' && Object.keys(x).length === 1)))).map((x) => clean(x, items));
  }
  if (!isMap(v)) return v;
  if (v[DIRECTIVE] === 'delete') return {};
  const s = typeOf(prop);
  const out: Map = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__') throw errors.badRequest('the key "__proto__" is not accepted');
    if (isDirectiveKey(k) || x === null) continue;
    out[k] = clean(x, childProp(s, k));
  }
  return out;
}
