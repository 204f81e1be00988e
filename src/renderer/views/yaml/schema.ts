import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { isRecord } from '../../api/guards.js';

/**
 * Schema lookups over the server's own OpenAPI v3 documents (`/openapi/v3/apis/apps/v1`), for the
 * YAML editor: the schema at a path, lint (unknown fields as the server's strict validation
 * rejects them, wrong types, missing required fields, values outside an enum), completion of
 * field names and hover docs. Pure: documents in, answers out.
 */

/** An OpenAPI schema object, read loosely (documents come from the server, checked as read). */
export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export type Schemas = Readonly<Record<string, Schema>>;

const REF = '#/components/schemas/';

/** The component schemas of an OpenAPI v3 document (empty when it has none). */
export function schemasOf(doc: unknown): Schemas {
  const comps = isRecord(doc) && isRecord(doc.components) && isRecord(doc.components.schemas) ? doc.components.schemas : {};
  return comps as Schemas;
}

/** The schema of a kind: the one whose `x-kubernetes-group-version-kind` names it. */
export function rootSchema(schemas: Schemas, group: string, version: string, kind: string): Schema | undefined {
  for (const s of Object.values(schemas)) {
    if (s['x-kubernetes-group-version-kind']?.some((g) => g.group === group && g.version === version && g.kind === kind)) return s;
  }
  return undefined;
}

/** Follows `$ref` and one-element `allOf` wrappers, keeping the outer description when the inner has none. */
export function resolve(schemas: Schemas, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
  if (ref?.startsWith(REF)) {
    const target = resolve(schemas, schemas[ref.slice(REF.length)], depth + 1);
    if (!target) return undefined;
    return s.description && !target.description ? { ...target, description: s.description } : s.description ? { ...target, description: s.description } : target;
  }
  return s;
}

export type PathPart = string | number;

/** The schema at `path` below `root` (map keys by name, list items by index), if the schema knows it. */
export function schemaAt(schemas: Schemas, root: Schema | undefined, path: readonly PathPart[]): Schema | undefined {
  let s = resolve(schemas, root);
  for (const p of path) {
    if (!s) return undefined;
    if (typeof p === 'number') s = resolve(schemas, s.items);
    else if (s.properties && p in s.properties) s = resolve(schemas, s.properties[p]);
    else if (isRecord(s.additionalProperties)) s = resolve(schemas, s.additionalProperties as Schema);
    else return undefined;
  }
  return s;
}

/** `string`, `integer`, `object`, `[]Container`, `int-or-string`: the type as `kubectl explain` names it. */
export function typeName(schemas: Schemas, s: Schema | undefined): string {
  const r = resolve(schemas, s);
  if (!r) return 'unknown';
  if (r['x-kubernetes-int-or-string']) return 'int-or-string';
  if (r.oneOf) return r.oneOf.map((o) => typeName(schemas, o)).join(' | ');
  if (r.type === 'array') return `[]${typeName(schemas, r.items)}`;
  if (r.type === 'object' && isRecord(r.additionalProperties) && !r.properties) return `map[string]${typeName(schemas, r.additionalProperties as Schema)}`;
  return r.type ?? (r.properties ? 'object' : 'any');
}

export interface Diagnostic {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  message: string;
}

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

function kindOf(node: YamlNode | null | undefined): Kind {
  if (isMap(node)) return 'object';
  if (isSeq(node)) return 'array';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'boolean') return 'boolean';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
    return 'string';
  }
  return 'null';
}

function accepts(schemas: Schemas, s: Schema, k: Kind): boolean {
  if (k === 'null') return true; // null clears a field: the server accepts it anywhere
  if (s['x-kubernetes-int-or-string']) return k === 'integer' || k === 'string';
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return alts.some((a) => {
    const r = resolve(schemas, a);
    return r ? accepts(schemas, r, k) : true;
  });
  switch (s.type) {
    case undefined:
      return true;
    case 'integer':
      return k === 'integer';
    case 'number':
      return k === 'integer' || k === 'number';
    case 'object':
      return k === 'object';
    default:
      return s.type === k;
  }
}

function range(node: YamlNode | null | undefined, fallback: [number, number]): [number, number] {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? [r[0], Math.max(r[1], r[0] + 1)] : fallback;
}

const pathText = (path: readonly PathPart[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');

/**
 * Checks a YAML document against a kind's schema. Syntax errors come first (and stop the walk);
 * then unknown fields (`unknown field "spec.replica"`, as the server's strict field validation
 * words it), types, required fields and enums.
 */
export function lintYaml(text: string, schemas: Schemas, root: Schema | undefined): Diagnostic[] {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const out: Diagnostic[] = [];
  for (const e of doc.errors) out.push({ from: e.pos[0], to: Math.max(e.pos[1], e.pos[0] + 1), severity: 'error', message: e.message.split('\n')[0] ?? e.message });
  if (out.length > 0 || !root) return out;
  const walk = (node: YamlNode | null | undefined, schema: Schema | undefined, path: PathPart[], keyRange: [number, number]) => {
    const s = resolve(schemas, schema);
    if (!s || s['x-kubernetes-preserve-unknown-fields']) return;
    const k = kindOf(node);
    const [from, to] = range(node, keyRange);
    if (!accepts(schemas, s, k)) {
      out.push({ from, to, severity: 'error', message: `${pathText(path) || 'document'}: expected ${typeName(schemas, s)}, got ${k}` });
      return;
    }
    if (s.enum && isScalar(node) && node.value !== null && !s.enum.includes(node.value)) {
      out.push({ from, to, severity: 'warning', message: `${pathText(path)}: ${JSON.stringify(node.value)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
    if (isMap(node)) {
      const present = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : '';
        present.add(key);
        const kr = range(keyNode, [from, to]);
        const child = s.properties?.[key] ?? (isRecord(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined);
        if (!child) {
          if (s.properties && s.additionalProperties !== true) out.push({ from: kr[0], to: kr[1], severity: 'error', message: `unknown field "${pathText([...path, key])}"` });
          continue;
        }
        walk(pair.value as YamlNode | null, child, [...path, key], kr);
      }
      for (const req of s.required ?? []) {
        if (!present.has(req)) out.push({ from: keyRange[0], to: keyRange[1], severity: 'error', message: `${pathText([...path, req])}: Required value` });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        // An item's problems are marked on its first line, not across the whole item.
        const [f] = range(item as YamlNode, [from, to]);
        const eol = text.indexOf('\n', f);
        walk(item as YamlNode, s.items, [...path, i], [f, eol < 0 ? text.length : Math.max(eol, f + 1)]);
      });
    }
  };
  const firstLine = text.indexOf('\n');
  walk(doc.contents as YamlNode | null, root, [], [0, Math.max(1, firstLine < 0 ? text.length : firstLine)]);
  return out;
}

/** Where the cursor is in the YAML: the path of the mapping it is in, and the key it is on (if any). */
export interface CursorPlace {
  /** Path of the enclosing mapping (for completing a key) or of the value (for hover). */
  path: PathPart[];
  /** The key whose name the cursor is on, or whose value it is in. */
  key?: string;
  onKey: boolean;
  /** Keys already present in the enclosing mapping. */
  siblings: string[];
}

/**
 * Finds the cursor's place by walking the parsed document. A line being typed (`  rep`) parses as a
 * scalar key with no value, so completion works mid-word.
 */
export function placeAt(text: string, offset: number): CursorPlace | undefined {
  const doc = parseDocument(text);
  let best: CursorPlace | undefined;
  const within = (n: YamlNode | null | undefined) => {
    const r = (n as { range?: [number, number, number] } | null | undefined)?.range;
    return r !== undefined && offset >= r[0] && offset <= r[1];
  };
  const walk = (node: YamlNode | null | undefined, path: PathPart[]) => {
    if (isMap(node)) {
      const siblings = node.items.map((p) => (isPair(p) && isScalar(p.key) ? String(p.key.value) : '')).filter(Boolean);
      best = { path, onKey: true, siblings };
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (within(pair.key as YamlNode)) {
          best = { path, key, onKey: true, siblings };
          return;
        }
        if (within(pair.value as YamlNode)) {
          best = { path: [...path, key], key, onKey: false, siblings };
          walk(pair.value as YamlNode, [...path, key]);
          return;
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (within(item as YamlNode)) walk(item as YamlNode, [...path, i]);
      });
    }
  };
  walk(doc.contents as YamlNode | null, []);
  return best;
}

export interface FieldInfo {
  name: string;
  type: string;
  description: string;
  required: boolean;
}

/** The fields a mapping at `path` may have, minus those already there: what completion offers. */
export function fieldsAt(schemas: Schemas, root: Schema | undefined, path: readonly PathPart[], present: readonly string[] = []): FieldInfo[] {
  const s = schemaAt(schemas, root, path);
  if (!s?.properties) return [];
  const req = new Set(s.required ?? []);
  return Object.entries(s.properties)
    .filter(([name]) => !present.includes(name))
    .map(([name, p]) => ({ name, type: typeName(schemas, p), description: resolve(schemas, p)?.description ?? '', required: req.has(name) }))
    .sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
}

/** What hovering a key shows: its path, type and description, as `kubectl explain` prints them. */
export function explain(schemas: Schemas, root: Schema | undefined, path: readonly PathPart[]): { path: string; type: string; description: string } | undefined {
  if (path.length === 0) return undefined;
  const s = schemaAt(schemas, root, path);
  if (!s) return undefined;
  return { path: pathText(path), type: typeName(schemas, s), description: s.description ?? '' };
}
