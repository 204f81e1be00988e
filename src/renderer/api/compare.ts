import type { KubeObject } from '../../orchestrator/api/types.js';
import { isRecord } from './guards.js';

/** The metadata fields the server owns: left out when comparing what a user changed. */
const SERVER_META = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/** An object as a user reads and writes it: without managedFields (and, for comparing, server-owned fields). */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!obj.metadata.managedFields) return obj;
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function comparable(obj: KubeObject): unknown {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const k of SERVER_META) delete metadata[k];
  return { ...obj, metadata };
}

/** Deep equality of two objects ignoring server-owned metadata: "would this write change anything?" */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  return stable(comparable(a)) === stable(comparable(b));
}

/** JSON with sorted keys, so equal objects serialize equally whatever their key order. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * Whether two versions say the same thing apart from what controllers keep writing (`status`) and
 * server bookkeeping: a newer version that differs only so is no reason to stop a user's edit.
 */
export function sameIntent(a: KubeObject, b: KubeObject): boolean {
  const { status: _a, ...ra } = a;
  const { status: _b, ...rb } = b;
  return sameContent(ra as KubeObject, rb as KubeObject);
}
