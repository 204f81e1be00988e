/**
 * Field paths and sets of them, as structured-merge-diff (the library behind server-side apply)
 * defines them, in their `FieldsV1` spelling: a path is a list of elements `f:<field>`,
 * `k:{"name":"web"}` (an item of an associative list, by its keys), `v:<json>` (an item of a set)
 * or `i:<index>`. A FieldSet holds paths; `metadata.managedFields[].fieldsV1` is a FieldSet as a tree
 * in which `{}` marks a member leaf and `".": {}` marks a member that also has children.
 */

const SEP = '\u0000';

/** An immutable-by-convention set of paths (each a list of elements). */
export class FieldSet {
  private readonly paths: Set<string>;

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
    const out = new FieldSet(this.paths);
    for (const p of o.paths) out.paths.add(p);
    return out;
  }

  difference(o: FieldSet): FieldSet {
    if (o.paths.size === 0 || this.paths.size === 0) return this;
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
    const exact = prefixes.map((p) => p.join(SEP));
    const below = exact.map((x) => x + SEP);
    const out = new FieldSet();
    for (const p of this.paths) if (!exact.some((x, i) => p === x || p.startsWith(below[i] as string))) out.paths.add(p);
    return out;
  }

  equals(o: FieldSet): boolean {
    return this.paths.size === o.paths.size && [...this.paths].every((p) => o.paths.has(p));
  }

  /** The `fieldsV1` tree of this set. */
  toFieldsV1(): Record<string, unknown> {
    // Leaves (most nodes: one per key of a big map) get no Map of children of their own.
    interface Tree {
      member: boolean;
      children?: Map<string, Tree>;
    }
    const root: Tree = { member: false };
    // Unsorted here: emit() sorts each node's children, which is all the order the tree has.
    for (const p of this.paths) {
      let node = root;
      if (p !== '') {
        for (const el of p.split(SEP)) {
          const children = node.children ?? (node.children = new Map());
          let next = children.get(el);
          if (!next) {
            next = { member: false };
            children.set(el, next);
          }
          node = next;
        }
      }
      node.member = true;
    }
    const emit = (t: Tree): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (!t.children) return out;
      if (t.member) out['.'] = {};
      for (const k of [...t.children.keys()].sort()) out[k] = emit(t.children.get(k) as Tree);
      return out;
    };
    return emit(root);
  }

  /** Reads a `fieldsV1` tree; anything that is not an object of objects is ignored. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: string[]) => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
      const entries = Object.entries(node as Record<string, unknown>);
      if (entries.length === 0 && path.length > 0) set.add(path);
      for (const [k, v] of entries) {
        if (k === '.') set.add(path);
        else walk(v, [...path, k]);
      }
    };
    walk(tree, []);
    return set;
  }
}

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
