import { errors, isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { Informer } from '../../client/Informer.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

/** The kinds a pod references by name: what its volumes, env and pull secrets read. */
export type RefKind = 'configmaps' | 'secrets';

export interface ObjectRef {
  kind: RefKind;
  namespace: string;
  name: string;
}

/** A ConfigMap or Secret as the kubelet reads it. */
export interface DataObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

interface Entry {
  informer: Informer<DataObject>;
  pods: Set<string>;
}

/** The kubelet's words: `configmap "x" not found`, `secret "x" not found`. */
export function notFound(kind: RefKind, name: string) {
  const resource = kind === 'configmaps' ? 'configmap' : 'secret';
  return errors.notFound({ group: '', resource, kind: resource }, name);
}

const keyOf = (r: ObjectRef) => `${r.kind}/${r.namespace}/${r.name}`;

/**
 * The ConfigMaps and Secrets the node's pods reference, each watched on its own, as the kubelet's
 * watch-based configmap and secret managers do: one list+watch per object with
 * `fieldSelector=metadata.name=NAME` in its namespace, never a list of every secret (the node
 * authorizer allows a node only the objects its pods use). Objects are reference-counted by pod:
 * `setRefs` starts watches for newly referenced objects and stops those no pod uses any more. A
 * change to an object calls `onChange` with the keys of the pods using it, so mounted files and
 * waiting containers follow within a sync. While the API is unreachable the last state seen is kept.
 */
export class ObjectCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byPod = new Map<string, Set<string>>();

  constructor(
    private readonly d: { client: Client; clock: Clock; log: Logger; onChange: (podKeys: string[]) => void },
  ) {}

  /** Declares every object pod `podKey` uses now (replacing what it used before). */
  setRefs(podKey: string, refs: ObjectRef[]): void {
    const next = new Set(refs.map(keyOf));
    const prev = this.byPod.get(podKey) ?? new Set<string>();
    for (const k of prev) if (!next.has(k)) this.unref(k, podKey);
    for (const r of refs) {
      const k = keyOf(r);
      if (prev.has(k)) continue;
      let e = this.entries.get(k);
      if (!e) {
        e = { informer: this.watch(r), pods: new Set() };
        this.entries.set(k, e);
      }
      e.pods.add(podKey);
    }
    if (next.size) this.byPod.set(podKey, next);
    else this.byPod.delete(podKey);
  }

  /** The pod is gone: stop watching what only it used. */
  release(podKey: string): void {
    this.setRefs(podKey, []);
  }

  /** Objects watched now (tests, metrics). */
  watched(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * The object, from the watch's cache once it has listed, else with one GET. Rejects with the
   * kubelet's NotFound (`configmap "x" not found`) when it does not exist.
   */
  async get(kind: RefKind, namespace: string, name: string): Promise<DataObject> {
    const e = this.entries.get(keyOf({ kind, namespace, name }));
    if (e?.informer.hasSynced()) {
      const o = e.informer.getByName(namespace, name);
      if (!o) throw notFound(kind, name);
      return o;
    }
    try {
      return await this.d.client.get<DataObject>(kind, namespace, name);
    } catch (err) {
      if (isNotFound(err)) throw notFound(kind, name);
      throw err;
    }
  }

  stop(): void {
    for (const e of this.entries.values()) e.informer.stop();
    this.entries.clear();
    this.byPod.clear();
  }

  private unref(k: string, podKey: string): void {
    const e = this.entries.get(k);
    if (!e) return;
    e.pods.delete(podKey);
    if (e.pods.size === 0) {
      e.informer.stop();
      this.entries.delete(k);
    }
  }

  private watch(r: ObjectRef): Informer<DataObject> {
    const inf = new Informer<DataObject>(this.d.client, r.kind, this.d.clock, this.d.log, { namespace: r.namespace, fieldSelector: `metadata.name=${r.name}` });
    const changed = () => {
      const e = this.entries.get(keyOf(r));
      if (e) this.d.onChange([...e.pods]);
    };
    inf.addHandlers({ onAdd: changed, onUpdate: changed, onDelete: changed });
    inf.start();
    return inf;
  }
}
