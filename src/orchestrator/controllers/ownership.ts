import { isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { Logger } from '../util/logger.js';
import { controllerRef, newControllerRef } from '../api/podutil.js';

export interface ClaimOptions<T extends KubeObject> {
  client: Client;
  log: Logger;
  /** Plural resource of the candidates (`pods`, `replicasets`). */
  resource: string;
  owner: KubeObject;
  /** Resource of the owner, for the fresh check before adopting. */
  ownerResource: string;
  candidates: T[];
  /** Whether a candidate belongs to the owner by its selector. */
  selects(candidate: T): boolean;
}

/**
 * controller-runtime's ControllerRefManager: returns the candidates `owner` controls, adopting
 * orphans its selector matches and releasing owned objects it no longer selects. Writes are
 * compare-and-swap on the candidate's resourceVersion, so a stale cache makes them fail (and the
 * caller requeue) rather than adopt the wrong object. Before adopting, the owner is read fresh: an
 * owner being deleted (or replaced by one of the same name) adopts nothing.
 */
export async function claim<T extends KubeObject>(o: ClaimOptions<T>): Promise<T[]> {
  const uid = o.owner.metadata.uid;
  const owned: T[] = [];
  let mayAdopt: boolean | undefined;
  for (const c of o.candidates) {
    const ref = controllerRef(c);
    const matches = o.selects(c);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || o.owner.metadata.deletionTimestamp) {
        owned.push(c);
        continue;
      }
      await writeRefs(o, c, (c.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid));
      continue;
    }
    if (!matches || c.metadata.deletionTimestamp || o.owner.metadata.deletionTimestamp) continue;
    if (mayAdopt === undefined) mayAdopt = await ownerIsLive(o);
    if (!mayAdopt) continue;
    const adopted = await writeRefs(o, c, [...(c.metadata.ownerReferences ?? []), newControllerRef(o.owner)]);
    if (adopted) owned.push(adopted);
  }
  return owned;
}

async function ownerIsLive<T extends KubeObject>(o: ClaimOptions<T>): Promise<boolean> {
  try {
    const fresh = await o.client.get(o.ownerResource, o.owner.metadata.namespace, o.owner.metadata.name ?? '');
    return fresh.metadata.uid === o.owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

async function writeRefs<T extends KubeObject>(o: ClaimOptions<T>, c: T, refs: unknown[]): Promise<T | undefined> {
  try {
    return await o.client.patch<T>(o.resource, c.metadata.namespace, c.metadata.name ?? '', 'merge', {
      metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: c.metadata.resourceVersion },
    });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
