import { isNotFound } from '../../../api/errors.js';
import type { Pod } from '../../../api/types.js';
import { fieldRefValue, resourceFieldValue, type PodContext, type ResourceFieldRef } from '../downward.js';
import type { ObjectSource } from '../env.js';
import type { DataObject, RefKind } from '../objectCache.js';
import type { FileProjection, Payload } from './atomicWriter.js';

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}
export interface ObjectVolumeSource {
  name?: string;
  secretName?: string;
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}
export interface DownwardItem {
  path: string;
  fieldRef?: { fieldPath?: string };
  resourceFieldRef?: ResourceFieldRef;
  mode?: number;
}
export interface ProjectedSource {
  configMap?: ObjectVolumeSource;
  secret?: ObjectVolumeSource;
  downwardAPI?: { items?: DownwardItem[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
  clusterTrustBundle?: unknown;
}

/** Issues the tokens of projected `serviceAccountToken` sources (the kubelet's `TokenManager`). */
export interface TokenSource {
  token(pod: Pod, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

export interface PayloadDeps {
  objects: ObjectSource;
  tokens: TokenSource;
  ctx: PodContext;
}

const DEFAULT_MODE = 0o644;

function bytesOf(kind: RefKind, obj: DataObject, key: string): Buffer | undefined {
  if (kind === 'secrets') {
    const b = obj.data?.[key];
    return b === undefined ? undefined : Buffer.from(b, 'base64');
  }
  const s = obj.data?.[key];
  if (s !== undefined) return Buffer.from(s, 'utf8');
  const bin = obj.binaryData?.[key];
  return bin === undefined ? undefined : Buffer.from(bin, 'base64');
}

/**
 * The files of a configMap or secret source (`configmap.MakePayload` / `secret.MakePayload`):
 * every key (ConfigMap `data` and `binaryData`), or only `items` at their paths; a missing
 * object or item key fails unless `optional`. `prefix` places the files inside a projected volume.
 */
export async function objectPayload(kind: RefKind, pod: Pod, src: ObjectVolumeSource, defaultMode: number, objects: ObjectSource, out: Payload): Promise<void> {
  const name = (kind === 'secrets' ? (src.secretName ?? src.name) : src.name) ?? '';
  let obj: DataObject;
  try {
    obj = await objects.get(kind, pod.metadata.namespace ?? 'default', name);
  } catch (e) {
    if (isNotFound(e) && src.optional) return;
    throw e;
  }
  const keys = kind === 'secrets' ? Object.keys(obj.data ?? {}) : [...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {})];
  if (!src.items?.length) {
    for (const k of keys) out.set(k, { data: bytesOf(kind, obj, k) ?? Buffer.alloc(0), mode: defaultMode });
    return;
  }
  for (const it of src.items) {
    const data = bytesOf(kind, obj, it.key);
    if (!data) {
      if (src.optional) continue;
      throw new Error(kind === 'secrets' ? `references non-existent secret key: ${it.key}` : `configmap references non-existent config key: ${it.key}`);
    }
    out.set(it.path, { data, mode: it.mode ?? defaultMode });
  }
}

/** The files of downwardAPI items: pod fields and container resources. */
export function downwardPayload(pod: Pod, items: DownwardItem[], defaultMode: number, ctx: PodContext, out: Payload): void {
  for (const it of items) {
    let v: string;
    if (it.fieldRef?.fieldPath) v = fieldRefValue(pod, it.fieldRef.fieldPath, ctx, true);
    else if (it.resourceFieldRef) v = resourceFieldValue(pod, it.resourceFieldRef, undefined, ctx);
    else continue;
    out.set(it.path, { data: Buffer.from(v, 'utf8'), mode: it.mode ?? defaultMode });
  }
}

/** The files of a projected volume, source by source (later sources win on the same path). */
export async function projectedPayload(pod: Pod, sources: ProjectedSource[], defaultMode: number, d: PayloadDeps): Promise<Payload> {
  const out: Payload = new Map<string, FileProjection>();
  const sa = typeof pod.spec.serviceAccountName === 'string' && pod.spec.serviceAccountName ? pod.spec.serviceAccountName : 'default';
  for (const s of sources) {
    if (s.configMap) await objectPayload('configmaps', pod, s.configMap, defaultMode, d.objects, out);
    else if (s.secret) await objectPayload('secrets', pod, s.secret, defaultMode, d.objects, out);
    else if (s.downwardAPI) downwardPayload(pod, s.downwardAPI.items ?? [], defaultMode, d.ctx, out);
    else if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      const token = await d.tokens.token(pod, sa, t.audience || undefined, t.expirationSeconds ?? 3600);
      out.set(t.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode });
    } else if (s.clusterTrustBundle !== undefined) {
      throw new Error('clusterTrustBundle projections are not supported by Skiff');
    }
  }
  return out;
}

/** The payload of a configMap or secret volume. */
export async function singleObjectPayload(kind: RefKind, pod: Pod, src: ObjectVolumeSource, objects: ObjectSource): Promise<Payload> {
  const out: Payload = new Map();
  await objectPayload(kind, pod, src, src.defaultMode ?? DEFAULT_MODE, objects, out);
  return out;
}
