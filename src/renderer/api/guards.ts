import type { KubeList, KubeObject, Status, StatusCause, WatchEvent, WatchEventType } from '../../orchestrator/api/types.js';

/** Narrowing helpers for JSON that crosses the HTTP boundary: the server is trusted, not assumed. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isKubeObject(v: unknown): v is KubeObject {
  return isRecord(v) && isRecord(v.metadata) && typeof v.kind === 'string';
}

export function isKubeList(v: unknown): v is KubeList {
  return isRecord(v) && Array.isArray(v.items) && isRecord(v.metadata);
}

export function isStatus(v: unknown): v is Status {
  return isRecord(v) && v.kind === 'Status';
}

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export function isWatchEvent(v: unknown): v is WatchEvent {
  return isRecord(v) && typeof v.type === 'string' && EVENT_TYPES.has(v.type) && isRecord(v.object);
}

export function statusCauses(s: Status): StatusCause[] {
  const causes = s.details?.causes;
  return Array.isArray(causes) ? causes.filter(isRecord) : [];
}
