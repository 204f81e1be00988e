/** Editing labels and annotations: validation in the form's words, and the merge patch that applies it. */

export interface KeyValueRow {
  key: string;
  value: string;
}

export interface RowProblem {
  row: number;
  field: 'Key' | 'Value';
  message: string;
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Why a label or annotation key is not valid (`prefix/name`, as the API server checks it), or undefined. */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'is required';
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return 'the prefix before "/" must be a DNS subdomain (lower-case letters, digits, "-" and ".")';
  if (name.length === 0 || name.length > 63) return 'the name part must be 1-63 characters';
  if (!NAME.test(name)) return 'must start and end with a letter or digit, with only letters, digits, "-", "_" and "." between';
  return undefined;
}

/** Problems of the rows as typed: keys (and for labels, values) checked, duplicates named. */
export function validateRows(rows: readonly KeyValueRow[], field: 'labels' | 'annotations'): RowProblem[] {
  const out: RowProblem[] = [];
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    const key = r.key.trim();
    if (key === '' && r.value === '') return; // an empty row is ignored
    const kp = keyProblem(key);
    if (kp) out.push({ row: i, field: 'Key', message: kp });
    else if (seen.has(key)) out.push({ row: i, field: 'Key', message: `"${key}" is already in row ${(seen.get(key) ?? 0) + 1}` });
    seen.set(key, i);
    if (field === 'labels' && (r.value.length > 63 || !LABEL_VALUE.test(r.value))) {
      out.push({ row: i, field: 'Value', message: 'must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit (or empty)' });
    }
  });
  return out;
}

export function rowsOf(map: Readonly<Record<string, string>> | undefined): KeyValueRow[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

/**
 * The merge patch turning `before` into the rows: changed and new keys set, removed keys `null`.
 * Undefined when nothing changed (then nothing is sent).
 */
export function metadataPatch(field: 'labels' | 'annotations', before: Readonly<Record<string, string>> | undefined, rows: readonly KeyValueRow[]): Record<string, unknown> | undefined {
  const after = new Map<string, string>();
  for (const r of rows) if (r.key.trim() !== '') after.set(r.key.trim(), r.value);
  const change: Record<string, string | null> = {};
  for (const k of Object.keys(before ?? {})) if (!after.has(k)) change[k] = null;
  for (const [k, v] of after) if (before?.[k] !== v) change[k] = v;
  return Object.keys(change).length === 0 ? undefined : { metadata: { [field]: change } };
}
