import { ApiError } from '../api/errors.js';
import type { ResourceType } from '../api/resources.js';
import { schemaFor, type SchemaObject } from '../api/schema/index.js';
import type { KubeObject } from '../api/types.js';
import { FieldSet, formatPath } from './fieldpath.js';
import { addedFieldsV1Steps, childSchema, compareSteps, itemKey, pathCut, shapeOf, toFieldSet } from './typedWalk.js';
import { paceSteps, runSteps, type Pace, type Steps } from '../util/pacer.js';

/** One `metadata.managedFields` entry: who set which fields, and how. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  /** The stored entry, kept as it is: a write that cannot touch any of its fields leaves it unread (see `managedFieldsSteps`). */
  stored?: ManagedFieldsEntry;
}

/** Fields nobody owns: identity and server-maintained metadata (kube-apiserver's stripmeta). */
const STRIPPED = [
  ['f:apiVersion'],
  ['f:kind'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'].map((f) => ['f:metadata', `f:${f}`]),
];

/** {@link STRIPPED} as a tree, for a create's one walk. */
const STRIPPED_CUT = pathCut(STRIPPED);

export interface ManagerRef {
  manager: string;
  subresource?: string;
  /** ISO time stamped on the entries this write touches. */
  now: string;
  /**
   * The one top-level field (`status`) the write may change, everything else being the stored
   * object's own (a write through the status subresource): only that field is compared, and an
   * entry that owns nothing in it is kept as stored, unread.
   */
  only?: 'status';
}

const sameEntry = (m: Manager, manager: string, operation: string, subresource: string | undefined) =>
  m.manager === manager && m.operation === operation && (m.subresource ?? '') === (subresource ?? '');

/**
 * The stored entries as managers. With `untouched` (the top-level field element a write is limited
 * to, e.g. `f:status`), an entry whose non-empty tree has nothing under it keeps its stored form
 * and an empty set in place of its paths (never read: the write cannot take a field from it).
 */
function decode(entries: unknown, untouched?: { el: string; ref: ManagerRef }): Manager[] {
  if (!Array.isArray(entries)) return [];
  const out: Manager[] = [];
  for (const e of entries) {
    if (e === null || typeof e !== 'object') continue;
    const x = e as Partial<ManagedFieldsEntry>;
    if (typeof x.manager !== 'string' || (x.operation !== 'Apply' && x.operation !== 'Update')) continue;
    const m: Manager = { manager: x.manager, operation: x.operation, apiVersion: x.apiVersion ?? '', subresource: x.subresource || undefined, time: x.time, set: EMPTY };
    const tree = x.fieldsV1;
    if (
      untouched &&
      tree !== null &&
      typeof tree === 'object' &&
      !Array.isArray(tree) &&
      !Object.hasOwn(tree, untouched.el) &&
      Object.keys(tree).length > 0 &&
      !sameEntry(m, untouched.ref.manager, 'Update', untouched.ref.subresource)
    ) {
      m.stored = e as ManagedFieldsEntry;
    } else m.set = FieldSet.fromFieldsV1(tree);
    out.push(m);
  }
  return out;
}

const EMPTY = new FieldSet();

/** Entries in kube-apiserver's order: Apply before Update, then by time, manager, version, subresource. */
function encode(managers: Manager[]): ManagedFieldsEntry[] | undefined {
  return runSteps(encodeSteps(managers));
}

/** {@link encode} in steps: each entry's fieldsV1 tree yields as it is written (see FieldSet.toFieldsV1Steps). */
function* encodeSteps(managers: Manager[]): Steps<ManagedFieldsEntry[] | undefined> {
  const kept = managers.filter((m) => m.stored || !m.set.isEmpty());
  if (kept.length === 0) return undefined;
  kept.sort((p, q) =>
    p.operation !== q.operation
      ? p.operation < q.operation ? -1 : 1
      : (p.time ?? '') !== (q.time ?? '')
        ? (p.time ?? '') < (q.time ?? '') ? -1 : 1
        : p.manager !== q.manager
          ? p.manager < q.manager ? -1 : 1
          : (p.subresource ?? '') < (q.subresource ?? '') ? -1 : 1,
  );
  const out: ManagedFieldsEntry[] = [];
  // A stored entry kept unread was written by this code (every stored entry is), so it is in the form encoding would give it.
  for (const m of kept) out.push(m.stored ?? entryOf(m, yield* m.set.toFieldsV1Steps()));
  return out;
}

/** One entry, its keys in kube-apiserver's order (stored text compares equal only if they stay so). */
function entryOf(m: Omit<Manager, 'set'>, fieldsV1: Record<string, unknown>): ManagedFieldsEntry {
  return {
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1,
    ...(m.subresource ? { subresource: m.subresource } : {}),
  };
}

/** Just the one top-level field of `o` (for a comparison limited to it). */
function partOf(o: KubeObject, field: 'status'): KubeObject {
  return (field in o ? { [field]: o[field] } : {}) as KubeObject;
}

function withoutManagedFields(o: KubeObject | undefined): KubeObject | undefined {
  if (!o) return undefined;
  const { managedFields: _m, ...metadata } = o.metadata ?? {};
  return { ...o, metadata };
}

function apiVersion(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/**
 * The managed fields after a create, update or patch by `ref.manager` (operation `Update`): the
 * fields it changed become its own and are taken from every other manager; fields it removed are
 * nobody's. Returns `current`'s entries unchanged when no field changed. `pace()` is awaited
 * between the stages (decoding the stored entries, comparing the objects, each set operation,
 * encoding) and inside the long ones (comparing a map of more than STEP scalars, writing a fieldsV1
 * tree): for an object of tens of thousands of fields each is tens of milliseconds, and the event
 * loop turns between its parts.
 */
export async function updateManagedFields(r: ResourceType, current: KubeObject | undefined, next: KubeObject, ref: ManagerRef, pace: Pace): Promise<ManagedFieldsEntry[] | undefined> {
  return paceSteps(managedFieldsSteps(r, current, next, ref), pace);
}

function* managedFieldsSteps(r: ResourceType, current: KubeObject | undefined, next: KubeObject, ref: ManagerRef): Steps<ManagedFieldsEntry[] | undefined> {
  // A create: every field is the writer's, and nobody else has any. One walk writes the tree
  // (what the comparison below and encoding its set would write, without the set in between).
  if (!current) {
    const fieldsV1 = yield* addedFieldsV1Steps(schemaFor(r), next, STRIPPED_CUT);
    if (!fieldsV1) return undefined;
    return [entryOf({ manager: ref.manager, operation: 'Update', apiVersion: apiVersion(r), time: ref.now, subresource: ref.subresource }, fieldsV1)];
  }
  // A status write changes nothing but the status (the registry builds it so): the comparison of
  // the status alone finds every change, and an entry with no status field cannot lose one.
  const only = ref.only;
  const managers = decode(current?.metadata.managedFields, only ? { el: `f:${only}`, ref } : undefined);
  yield;
  const c = only
    ? yield* compareSteps(schemaFor(r), partOf(current, only), partOf(next, only))
    : yield* compareSteps(schemaFor(r), withoutManagedFields(current), withoutManagedFields(next));
  yield;
  // Each set operation walks every path once: tens of thousands for a big map, so the loop may turn between them.
  const changed = c.modified.union(c.added).withoutPrefixes(STRIPPED);
  yield;
  const removed = c.removed.withoutPrefixes(STRIPPED);
  if (changed.isEmpty() && removed.isEmpty()) return current?.metadata.managedFields as ManagedFieldsEntry[] | undefined;
  for (const m of managers) {
    yield;
    m.set = m.set.difference(changed).difference(removed);
  }
  let mine = managers.find((m) => sameEntry(m, ref.manager, 'Update', ref.subresource));
  if (!mine) {
    mine = { manager: ref.manager, operation: 'Update', apiVersion: apiVersion(r), subresource: ref.subresource, set: new FieldSet() };
    managers.push(mine);
  }
  mine.set = mine.set.union(changed);
  mine.time = ref.now;
  yield;
  return yield* encodeSteps(managers);
}

/** Keeps the managed fields a client sent when they differ from the stored ones (a reset or a csa->ssa upgrade). */
export function sentManagedFields(sent: unknown, stored: unknown): ManagedFieldsEntry[] | undefined | 'unchanged' {
  if (sent === undefined || sent === stored || (Array.isArray(sent) && sent.length === 0)) return 'unchanged';
  if (JSON.stringify(sent) === JSON.stringify(stored)) return 'unchanged';
  // `[{}]` is how a client asks to clear them.
  return encode(decode(sent));
}

/**
 * Server-side apply of `config` by `ref.manager` over `current` (undefined: the object is new).
 * Returns the object to store, with its managed fields: the manager now owns exactly the fields
 * of `config`; fields it applied before and left out are removed unless another manager owns
 * them; a field another manager owns whose value would change is a 409 conflict, unless `force`
 * takes it over.
 *
 * In steps: it yields between its walks and inside the long ones (comparing a big map of scalars,
 * writing a fieldsV1 tree), so a caller may let the event loop turn (`paceSteps`).
 */
export function* serverSideApplySteps(r: ResourceType, current: KubeObject | undefined, config: KubeObject, ref: ManagerRef & { force: boolean }): Steps<KubeObject> {
  const schema = schemaFor(r);
  const managers = decode(current?.metadata.managedFields);
  yield;
  const configSet = toFieldSet(schema, withoutManagedFields(config)).withoutPrefixes(STRIPPED);
  const mine = managers.find((m) => sameEntry(m, ref.manager, 'Apply', ref.subresource));
  const others = managers.filter((m) => m !== mine);
  const ownedByOthers = others.reduce((acc, m) => acc.union(m.set), new FieldSet());
  yield;

  const merged = mergeValue(schema, withoutManagedFields(current) ?? {}, withoutManagedFields(config), true) as KubeObject;
  yield;
  if (mine) {
    // A path it no longer applies goes unless someone (itself included) still owns it or something below it.
    const owned = configSet.union(ownedByOthers).list();
    const dropped = mine.set.difference(configSet).list().filter((p) => !owned.some((o) => startsWith(o, p)));
    removePaths(schema, merged, dropped);
    yield;
  }

  const c = yield* compareSteps(schema, withoutManagedFields(current), merged);
  yield;
  const changed = c.modified.union(c.added).withoutPrefixes(STRIPPED);
  const conflicts: { manager: Manager; path: string[] }[] = [];
  for (const m of others) for (const p of m.set.intersection(changed).list()) conflicts.push({ manager: m, path: p });
  if (conflicts.length > 0 && !ref.force) throw conflictError(r, config.metadata.name ?? '', conflicts);
  for (const m of others) {
    yield;
    m.set = m.set.difference(changed).difference(c.removed);
  }

  const entry: Manager = mine ?? { manager: ref.manager, operation: 'Apply', apiVersion: apiVersion(r), subresource: ref.subresource, set: new FieldSet() };
  entry.set = configSet;
  entry.apiVersion = apiVersion(r);
  entry.time = ref.now;
  if (!mine) managers.push(entry);
  yield;
  const fields = yield* encodeSteps(managers);
  if (fields) merged.metadata.managedFields = fields;
  else delete merged.metadata.managedFields;
  return merged;
}

function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((el, i) => path[i] === el);
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** structured-merge-diff's merge, keeping the right-hand side: maps merge, keyed lists merge by key, sets unite. */
function mergeValue(prop: SchemaObject | undefined, l: unknown, r: unknown, root = false): unknown {
  if (r === undefined) return structuredClone(l);
  const shape = root ? ({ t: 'map', schema: prop, declared: true } as const) : shapeOf(prop, r);
  switch (shape.t) {
    case 'leaf':
      return structuredClone(r);
    case 'map': {
      if (!isMap(r)) return structuredClone(r);
      const out: Record<string, unknown> = isMap(l) ? structuredClone(l) : {};
      for (const [k, v] of Object.entries(r)) {
        if (v === null) delete out[k];
        else out[k] = mergeValue(childSchema(shape, k), out[k], v);
      }
      return out;
    }
    case 'listMap': {
      if (!Array.isArray(r)) return structuredClone(r);
      const out = Array.isArray(l) ? structuredClone(l) : [];
      for (const item of r) {
        const key = itemKey(shape.keys, item);
        const i = key ? out.findIndex((x) => itemKey(shape.keys, x) === key) : -1;
        if (i >= 0) out[i] = mergeValue(shape.items, out[i], item);
        else out.push(structuredClone(item));
      }
      return out;
    }
    case 'set': {
      if (!Array.isArray(r)) return structuredClone(r);
      const out = Array.isArray(l) ? structuredClone(l) : [];
      for (const v of r) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(structuredClone(v));
      return out;
    }
  }
}

/** Removes the fields, list items and set values at `paths` from `obj` (shortest paths first). */
function removePaths(schema: SchemaObject | undefined, obj: KubeObject, paths: string[][]): void {
  for (const path of [...paths].sort((a, b) => a.length - b.length)) {
    let node: unknown = obj;
    let prop: SchemaObject | undefined = schema;
    let rootNode = true;
    for (let i = 0; i < path.length && node !== undefined; i++) {
      const el = path[i] as string;
      const last = i === path.length - 1;
      const shape = rootNode ? ({ t: 'map', schema: prop, declared: true } as const) : shapeOf(prop, node);
      rootNode = false;
      if (el.startsWith('f:') && shape.t === 'map' && isMap(node)) {
        const k = el.slice(2);
        if (last) delete node[k];
        else {
          prop = childSchema(shape, k);
          node = node[k];
        }
      } else if (el.startsWith('k:') && shape.t === 'listMap' && Array.isArray(node)) {
        const idx = node.findIndex((x) => itemKey(shape.keys, x) === el);
        if (idx < 0) node = undefined;
        else if (last) node.splice(idx, 1);
        else {
          prop = shape.items;
          node = node[idx];
        }
      } else if (el.startsWith('v:') && Array.isArray(node) && last) {
        const arr = node;
        const at = arr.findIndex((x) => `v:${JSON.stringify(x)}` === el);
        if (at >= 0) arr.splice(at, 1);
      } else {
        node = undefined;
      }
    }
  }
}

function conflictError(r: ResourceType, name: string, conflicts: { manager: Manager; path: string[] }[]): ApiError {
  const who = (m: Manager) => {
    let s = JSON.stringify(m.manager);
    if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
    if (m.operation === 'Update') s += m.time ? ` using ${m.apiVersion} at ${m.time}` : ` using ${m.apiVersion}`;
    return s;
  };
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${who(c.manager)}`, field: formatPath(c.path) }));
  let message: string;
  const first = conflicts[0] as { manager: Manager; path: string[] };
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${who(first.manager)}: ${formatPath(first.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(who(c.manager), [...(byManager.get(who(c.manager)) ?? []), formatPath(c.path)]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m) ?? []) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { name, group: r.group, kind: r.resource, causes });
}
