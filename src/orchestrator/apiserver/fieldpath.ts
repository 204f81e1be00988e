/**
 * Field paths and sets of them, as structured-merge-diff (the library behind server-side apply)
 * defines them, in their `FieldsV1` spelling: a path is a list of elements `f:<field>`,
 * `k:{"name":"web"}` (an item of an associative list, by its keys), `v:<json>` (an item of a set)
 * or `i:<index>`. A FieldSet holds paths; `metadata.managedFields[].fieldsV1` is a FieldSet as a tree
 * in which `{}` marks a member leaf and `".": {}` marks a member that also has children.
 */
import { runSteps, type Steps } from '../util/pacer.js';

const SEP = '\u0000';
/** Long walks over a set yield after this many paths (see the `...Steps` methods). */
export const STEP = 4096;

/** An immutable-by-convention set of paths (each a list of elements). */
export class FieldSet {
  private readonly paths: Set<string>;
  /**
   * The `fieldsV1` tree this set was read from, when that tree is exactly what {@link toFieldsV1}
   * writes for it: then it is the encoding, and writing the set again costs nothing. Every write of
   * an object re-encodes all its managers' entries, and most of them (the creator's, on a status
   * write) come through unchanged: the set operations below return an operand itself when the
   * result equals it, so such a set keeps its tree.
   */
  private encoded?: Record<string, unknown>;

  constructor(paths: Iterable<string> = []) {
    this.paths = new Set(paths);
  }

  static of(paths: string[][]): FieldSet {
    return new FieldSet(paths.map((p) => p.join(SEP)));
  }

  get size(): number {
    return this.paths.size;
  }

  isEmpty(): boolean {
    return this.paths.size === 0;
  }

  has(path: string[]): boolean {
    return this.paths.has(path.join(SEP));
  }

  add(path: string[]): void {
    this.paths.add(path.join(SEP));
  }

  /** The set's own spelling of a path, for {@link addChild} in hot loops (a map's tens of thousands of keys). */
  static joined(path: string[]): string {
    return path.join(SEP);
  }

  /** `parent` + one element, both as {@link joined} spells them (`''`: the root). */
  static child(parent: string, el: string): string {
    return parent === '' ? el : parent + SEP + el;
  }

  /** Adds a path as {@link joined} spells it. */
  addJoined(path: string): void {
    this.paths.add(path);
  }

  /** Adds `parent` + one element, `parent` as {@link joined} spells it: no array per path. */
  addChild(parent: string, el: string): void {
    this.paths.add(parent === '' ? el : parent + SEP + el);
  }

  /** The paths, each as its list of elements, in a stable (sorted) order. */
  list(): string[][] {
    return [...this.paths].sort().map((p) => (p === '' ? [] : p.split(SEP)));
  }

  // The set operations below avoid intermediate arrays: a ConfigMap of 40,000 keys makes sets of
  // 40,000 paths on every write, and copies of them were most of a create's CPU time. A result may
  // be one of the operands itself (sets are never changed once built; add() is for building).
  union(o: FieldSet): FieldSet {
    if (o.paths.size === 0) return this;
    if (this.paths.size === 0) return o;
    if (o.paths.size <= this.paths.size && o.isSubsetOf(this)) return this;
    const out = new FieldSet(this.paths);
    for (const p of o.paths) out.paths.add(p);
    return out;
  }

  difference(o: FieldSet): FieldSet {
    if (o.paths.size === 0 || this.paths.size === 0) return this;
    if (o.paths.size < this.paths.size && !o.meets(this)) return this;
    const out = new FieldSet();
    for (const p of this.paths) if (!o.paths.has(p)) out.paths.add(p);
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths) if (o.paths.has(p)) out.paths.add(p);
    return out;
  }

  /** Drops every path equal to or below one of `prefixes` (e.g. stripped metadata fields). */
  withoutPrefixes(prefixes: string[][]): FieldSet {
    if (prefixes.some((p) => p.length === 0)) return new FieldSet();
    // Prefixes by their first element: most paths (a map's many keys) share a head no prefix has.
    const byHead = new Map<string, { exact: string; below: string }[]>();
    for (const p of prefixes) {
      const exact = p.join(SEP);
      const list = byHead.get(p[0] as string) ?? [];
      list.push({ exact, below: exact + SEP });
      byHead.set(p[0] as string, list);
    }
    const out = new FieldSet();
    for (const p of this.paths) {
      const cut = p.indexOf(SEP);
      const candidates = byHead.get(cut < 0 ? p : p.slice(0, cut));
      if (!candidates?.some((x) => p === x.exact || p.startsWith(x.below))) out.paths.add(p);
    }
    return out;
  }

  private isSubsetOf(o: FieldSet): boolean {
    for (const p of this.paths) if (!o.paths.has(p)) return false;
    return true;
  }

  /** True when the two sets share a path. */
  private meets(o: FieldSet): boolean {
    for (const p of this.paths) if (o.paths.has(p)) return true;
    return false;
  }

  equals(o: FieldSet): boolean {
    return this.paths.size === o.paths.size && [...this.paths].every((p) => o.paths.has(p));
  }

  /** The `fieldsV1` tree of this set. */
  toFieldsV1(): Record<string, unknown> {
    return runSteps(this.toFieldsV1Steps());
  }

  /**
   * {@link toFieldsV1} in steps: it yields after every {@link STEP} paths placed and nodes written,
   * so a caller may let the event loop turn (a ConfigMap of 40,000 keys is tens of milliseconds).
   */
  *toFieldsV1Steps(): Steps<Record<string, unknown>> {
    if (this.encoded) return this.encoded;
    // Leaves (most nodes: one per key of a big map) get no Map of children of their own.
    interface Tree {
      member: boolean;
      children?: Map<string, Tree>;
    }
    const root: Tree = { member: false };
    const child = (parent: Tree, el: string): Tree => {
      const children = parent.children ?? (parent.children = new Map());
      let next = children.get(el);
      if (!next) {
        next = { member: false };
        children.set(el, next);
      }
      return next;
    };
    // Inner nodes by their path: the many leaves of one map find their parent in one lookup
    // instead of splitting and walking their whole path.
    const inner = new Map<string, Tree>([['', root]]);
    const nodeAt = (p: string): Tree => {
      const hit = inner.get(p);
      if (hit) return hit;
      const cut = p.lastIndexOf(SEP);
      const node = cut < 0 ? child(root, p) : child(nodeAt(p.slice(0, cut)), p.slice(cut + 1));
      inner.set(p, node);
      return node;
    };
    let work = 0;
    // Unsorted here: each node's children are sorted below, which is all the order the tree has.
    for (const p of this.paths) {
      if (++work % STEP === 0) yield;
      if (p === '') {
        root.member = true;
        continue;
      }
      const cut = p.lastIndexOf(SEP);
      (cut < 0 ? child(root, p) : child(nodeAt(p.slice(0, cut)), p.slice(cut + 1))).member = true;
    }
    // Written top down from a stack, not by recursion, so it can stop between any two nodes. Each
    // node's object is made and placed under its parent, children in sorted order, before it is
    // filled: its keys keep that order.
    const out: Record<string, unknown> = {};
    const todo: [Tree, Record<string, unknown>][] = [[root, out]];
    for (let next = todo.pop(); next; next = todo.pop()) {
      const [t, o] = next;
      if (!t.children) continue;
      if (t.member) o['.'] = {};
      const keys = [...t.children.keys()].sort();
      for (const k of keys) {
        if (++work % STEP === 0) yield;
        const c = t.children.get(k) as Tree;
        const co: Record<string, unknown> = {};
        o[k] = co;
        if (c.children) todo.push([c, co]);
      }
    }
    return out;
  }

  /** Reads a `fieldsV1` tree; anything that is not an object of objects is ignored. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const set = new FieldSet();
    // Whether `tree` is exactly what toFieldsV1 writes for the set read from it: objects only, each
    // node's keys in sorted order ("." first), "." an empty object beside other children, no empty
    // node but a member leaf, an empty tree only for the empty set.
    let canonical = isObject(tree) && Object.keys(tree).length > 0;
    // The path so far as the set spells it (undefined: the root), so the tens of thousands of leaves
    // of a big map cost one string each, not an array and a join.
    const walk = (node: unknown, joined: string | undefined) => {
      if (!isObject(node)) {
        canonical = false;
        return;
      }
      const keys = Object.keys(node);
      if (keys.length === 0 && joined !== undefined) set.paths.add(joined);
      let prev: string | undefined;
      for (const k of keys) {
        if (prev !== undefined && !(prev < k)) canonical = false;
        prev = k;
        if (k === '.') {
          set.paths.add(joined ?? '');
          if (keys.length === 1 || !isObject(node[k]) || Object.keys(node[k] as object).length > 0) canonical = false;
        } else walk(node[k], joined === undefined ? k : joined + SEP + k);
      }
    };
    walk(tree, undefined);
    if (canonical) set.encoded = tree as Record<string, unknown>;
    return set;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `f:<name>` */
export function fieldEl(name: string): string {
  return `f:${name}`;
}

/** `k:{...}`: an associative-list item by its key fields (sorted, as structured-merge-diff does). */
export function keyEl(keys: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.keys(keys).sort().map((k) => [k, keys[k]]));
  return `k:${JSON.stringify(sorted)}`;
}

/** `v:<json>`: an item of a set-typed list. */
export function valueEl(v: unknown): string {
  return `v:${JSON.stringify(v)}`;
}

/** A path as structured-merge-diff prints it in conflicts: `.spec.template.spec.containers[name="web"].image`. */
export function formatPath(path: string[]): string {
  return path
    .map((el) => {
      const body = el.slice(2);
      switch (el.slice(0, 2)) {
        case 'f:':
          return `.${body}`;
        case 'k:': {
          const keys = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(keys)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v:':
          return `[=${body}]`;
        case 'i:':
          return `[${body}]`;
        default:
          return el;
      }
    })
    .join('');
}
