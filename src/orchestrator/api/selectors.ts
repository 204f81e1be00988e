import { errors } from './errors.js';
import type { KubeObject, LabelSelector } from './types.js';

/** A parsed selector: a predicate over a set of labels (or of field values). */
export interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!=';
  values: string[];
}
export type Selector = Requirement[];

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

/**
 * Parses the Kubernetes label selector string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, comma separated. Throws a 400 ApiError on bad syntax.
 */
export function parseLabelSelector(s: string | undefined): Selector {
  if (!s || !s.trim()) return [];
  const out: Requirement[] = [];
  for (const part of splitTopLevel(s)) {
    const p = part.trim();
    if (!p) continue;
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ key: checkKey(m[1] ?? ''), op: m[2] as 'in' | 'notin', values });
    } else if ((m = p.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      out.push({ key: checkKey(m[1] ?? ''), op: m[2] === '!=' ? '!=' : '=', values: [m[3] ?? ''] });
    } else if ((m = p.match(/^!\s*(\S+)$/))) {
      out.push({ key: checkKey(m[1] ?? ''), op: '!exists', values: [] });
    } else if (KEY.test(p)) {
      out.push({ key: p, op: 'exists', values: [] });
    } else {
      throw errors.badRequest(`unable to parse requirement: invalid label selector "${s}"`);
    }
  }
  return out;
}

function checkKey(k: string): string {
  if (!KEY.test(k)) throw errors.badRequest(`unable to parse requirement: invalid label key "${k}"`);
  return k;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function matches(sel: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A structured `LabelSelector` (from a Deployment or ReplicaSet spec) as requirements. */
export function fromLabelSelector(ls: LabelSelector | undefined): Selector {
  const out: Requirement[] = [];
  for (const [k, v] of Object.entries(ls?.matchLabels ?? {})) out.push({ key: k, op: '=', values: [v] });
  for (const e of ls?.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator];
    out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}

/** An empty structured selector matches nothing for workloads (Kubernetes rejects it in validation). */
export function selectorMatches(ls: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  const sel = fromLabelSelector(ls);
  return sel.length > 0 && matches(sel, labels);
}

/** Renders a selector map as the string form, for query strings and `status.selector`. */
export function formatLabelSelector(ls: LabelSelector | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(ls?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of ls?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

/**
 * Field selectors: `a=b`, `a==b`, `a!=b`, comma separated, over dotted paths of the object
 * (`metadata.name`, `spec.nodeName`, `status.phase`, `involvedObject.uid`, ...).
 */
export function parseFieldSelector(s: string | undefined): Selector {
  if (!s || !s.trim()) return [];
  // A term given twice is one requirement (they are ANDed): a selector of 700 copies of one term
  // is checked once per object, not 700 times.
  const seen = new Set<string>();
  const out: Selector = [];
  for (const part of s.split(',')) {
    const m = part.trim().match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw errors.badRequest(`invalid field selector: "${part}"`);
    const req = { key: m[1] ?? '', op: m[2] === '!=' ? ('!=' as const) : ('=' as const), values: [m[3] ?? ''] };
    const id = `${req.key}\u0000${req.op}\u0000${req.values[0]}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(req);
  }
  return out;
}

/** Field paths split once: a list filters every object by the same few paths. */
const splitPaths = new Map<string, string[]>();

function segmentsOf(path: string): string[] {
  let segs = splitPaths.get(path);
  if (!segs) {
    segs = path.split('.');
    if (splitPaths.size >= 256) splitPaths.clear();
    splitPaths.set(path, segs);
  }
  return segs;
}

export function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const seg of segmentsOf(path)) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

/**
 * Whether the object's fields match. A field holding a list of strings (Skiff's AddressGroup `span`;
 * Kubernetes selects no list field) matches `=` when it holds the value and `!=` when it does not.
 */
export function matchesFields(sel: Selector, obj: KubeObject): boolean {
  for (const r of sel) {
    const list = listField(obj, r.key);
    const has = list ? list.includes(r.values[0] ?? '') : fieldValue(obj, r.key) === r.values[0];
    if (r.op === '=' && !has) return false;
    if (r.op === '!=' && has) return false;
  }
  return true;
}

function listField(obj: KubeObject, path: string): unknown[] | undefined {
  if (path.includes('.')) return undefined;
  const v = (obj as Record<string, unknown>)[path];
  return Array.isArray(v) ? v : undefined;
}
