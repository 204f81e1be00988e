import { INT_OR_STRING, propertySchema, QUANTITY, refName, resolve, type SchemaObject } from '../../../src/orchestrator/api/schema/index.js';
import type { Random } from './random.js';

type Json = unknown;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const TIME = /\.meta\.v1\.(Micro)?Time$/;

/** A place in an object where a value can be put: the container, the key (or index), and the schema of what belongs there. */
interface Slot {
  parent: Obj | Json[];
  key: string | number;
  schema?: SchemaObject;
  path: string;
}

/**
 * Every slot of `obj` the walk reaches (existing values), plus, for objects with a schema, one
 * property the object does not have yet: mutations then reach fields the seed does not set.
 */
function slots(r: Random, schema: SchemaObject | undefined, obj: Json): Slot[] {
  const out: Slot[] = [];
  const stack: { v: Json; s?: SchemaObject; path: string }[] = [{ v: obj, s: schema, path: '' }];
  while (stack.length && out.length < 2000) {
    const { v, s, path } = stack.pop() as { v: Json; s?: SchemaObject; path: string };
    // A value a mutation already made deep is a place, not a tree to search (the walk would be quadratic).
    if (path.length > 400) continue;
    const rs = s ? safeResolve(s) : undefined;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        const is = rs?.items;
        out.push({ parent: v, key: i, schema: is, path: `${path}[${i}]` });
        stack.push({ v: x, s: is, path: `${path}[${i}]` });
      });
    } else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        const ks = rs ? propertySchema(rs, k) : undefined;
        out.push({ parent: v, key: k, schema: ks, path: `${path}.${k}` });
        stack.push({ v: x, s: ks, path: `${path}.${k}` });
      }
      const missing = Object.keys(rs?.properties ?? {}).filter((k) => !(k in v));
      if (missing.length) {
        const k = r.pick(missing);
        out.push({ parent: v, key: k, schema: rs?.properties?.[k], path: `${path}.${k}` });
      }
    }
  }
  return out;
}

function safeResolve(s: SchemaObject): SchemaObject | undefined {
  try {
    return resolve(s);
  } catch {
    return undefined;
  }
}

/** Nested arrays or objects `depth` levels deep. */
export function deep(depth: number, leaf: Json = 1, asArray = true): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

const HUGE = 'x'.repeat(100_000);

/** A value that does not belong where `schema` says what belongs: wrong type, out of range, huge, deep, null. */
export function hostileValue(r: Random, schema: SchemaObject | undefined): Json {
  const name = schema ? refName(schema) : undefined;
  const common: Json[] = [null, {}, [], '', true, HUGE, deep(r.pick([5, 999, 1000, 1001, 1500])), { '': 1 }, [null], { a: null }];
  let specific: Json[] = [];
  if (name === QUANTITY) specific = ['1e308', '-1', 'abc', 1e308, '1Ei', '999999999999999999999999999', '0.0000000001', 1.5, '1.2.3'];
  else if (name === INT_OR_STRING) specific = [2147483648, -2147483649, '150%', '-1%', 1.5, 2 ** 53, 'x'.repeat(10_000)];
  else if (name && TIME.test(name)) specific = ['not a time', 12, '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2026-13-45T99:99:99Z'];
  else {
    const s = schema ? safeResolve(schema) : undefined;
    switch (s?.type) {
      case 'integer':
        // Never a large valid count: a Deployment of a million replicas tests a controller, not the API.
        specific = ['1', 2147483648, -2147483649, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 1.5, -1, 0, 3, 'NaN'];
        break;
      case 'number':
        specific = ['1.5', 1e308, -1e308, 5e-324];
        break;
      case 'boolean':
        specific = ['true', 1, 0, 'yes'];
        break;
      case 'string':
        specific = [1, 1.5, 'a'.repeat(254), 'A_B', '../../etc/passwd', '\u0000', '\ud800', 'ünïcødé', 'a/b', '%zz', 'x'.repeat(r.pick([64, 254, 4096]))];
        if (s.format === 'byte') specific.push('!!!not base64', 'YQ', 'a'.repeat(4097));
        break;
      case 'array':
        specific = ['x', 1, { a: 1 }, Array.from({ length: r.pick([100, 5000]) }, () => sample(s.items)), [[]], [{}]];
        break;
      default:
        specific = ['x', 1, [1], { 'a/b/c': 'x', '': '', ['k'.repeat(300)]: 'v' }, Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v']))];
    }
  }
  return r.chance(0.7) && specific.length ? r.pick(specific) : r.pick(common);
}

/** A plausible value for a schema, for filling arrays. */
function sample(s: SchemaObject | undefined): Json {
  const rs = s ? safeResolve(s) : undefined;
  switch (rs?.type) {
    case 'string':
      return 'v';
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return {};
  }
}

/** What was done to an object, for the failure report. */
export interface Mutation {
  what: string;
  path: string;
}

/** Changes `obj` in place in one hostile way chosen by `r`, guided by its schema. */
export function mutate(r: Random, schema: SchemaObject | undefined, obj: Json): Mutation {
  const all = slots(r, schema, obj);
  const slot = all.length ? r.pick(all) : undefined;
  if (!slot) return { what: 'none', path: '' };
  const set = (v: Json) => {
    (slot.parent as Record<string | number, Json>)[slot.key] = v;
  };
  const kind = r.weighted<string>([
    [6, 'hostile'],
    [1, 'null'],
    [1, 'delete'],
    [1, 'unknown'],
    [1, 'deep'],
  ]);
  switch (kind) {
    case 'null':
      set(null);
      break;
    case 'delete':
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      break;
    case 'unknown': {
      const target = (slot.parent as Record<string | number, Json>)[slot.key];
      if (isObj(target)) target[r.pick(['unknownField', 'valu', 'Name', 'spec'])] = hostileValue(r, undefined);
      else set({ unknownField: 1 });
      break;
    }
    case 'deep':
      set(deep(r.pick([10, 500, 999, 1000, 1001, 1500]), r.pick([1, 'x', null]), r.chance(0.5)));
      break;
    default:
      set(hostileValue(r, slot.schema));
  }
  return { what: kind, path: slot.path };
}
