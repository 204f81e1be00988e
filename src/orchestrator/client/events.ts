import { isNotFound } from '../api/errors.js';
import type { KubeEvent, KubeObject, ObjectReference } from '../api/types.js';
import type { Client } from './types.js';
import { isoTime, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  client: Client;
  clock: Clock;
  log: Logger;
  /** `source.component` and `reportingComponent`: `default-scheduler`, `replicaset-controller`, `kubelet`... */
  component: string;
  /** `source.host` (the agent sets its node name). */
  host?: string;
  /** How many distinct (object, reason, message) series to remember for aggregation. */
  cacheSize?: number;
}

interface Series {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

/**
 * Records core/v1 Events about objects, as client-go's event recorder does.
 *
 * Contract: `record` never throws and never blocks the caller; writes happen in the background, in
 * call order per series. A repeat of the same (object uid, type, reason, message) bumps `count` and
 * `lastTimestamp` on the Event already written instead of creating another (bounded LRU memory; a
 * series forgotten or deleted meanwhile starts a new Event). Events about cluster-scoped objects
 * (Nodes) go to the `default` namespace, as Kubernetes puts them. `idle()` resolves when every write
 * issued so far has finished (tests).
 */
/**
 * Shared by every recorder in the process: two recorders (two components) writing about the same
 * object in the same millisecond would otherwise pick the same event name and one event would be lost.
 */
let eventSeq = 0;

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: EventRecorderOptions) {}

  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const ref = referenceTo(obj);
    const key = JSON.stringify([ref.kind, ref.namespace ?? '', ref.name, ref.uid ?? '', type, reason, message]);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const p = prev.then(() => this.write(key, ref, type, reason, message)).catch((e: unknown) => {
      this.opts.log.warn('could not record event', { reason, object: `${ref.kind}/${ref.name}`, error: e instanceof Error ? e.message : String(e) });
    });
    this.chains.set(key, p);
    this.pending.add(p);
    void p.finally(() => {
      this.pending.delete(p);
      if (this.chains.get(key) === p) this.chains.delete(key);
    });
  }

  /** Resolves once every event recorded so far is written (or has failed). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async write(key: string, ref: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const { client, clock, component, host } = this.opts;
    const now = isoTime(clock.now());
    const known = this.series.get(key);
    if (known) {
      try {
        await client.patch('events', known.namespace, known.name, 'merge', { count: known.count + 1, lastTimestamp: now });
        known.count++;
        this.touch(key, known);
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.series.delete(key);
      }
    }
    const namespace = ref.namespace || 'default';
    // Kubernetes names events `<object>.<hex nanoseconds>`; the sequence keeps names unique on a fake clock.
    const name = `${ref.name ?? 'unknown'}.${(BigInt(clock.now()) * 1_000_000n + BigInt(eventSeq++ % 1_000_000)).toString(16)}`;
    const ev: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: host ? { component, host } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? component,
    };
    // Nothing reads `ev` after this: an in-process server keeps it as stored, with no copy or re-parse.
    await client.create('events', ev, { handOff: true });
    this.touch(key, { namespace, name, count: 1, firstTimestamp: now });
  }

  private touch(key: string, s: Series): void {
    this.series.delete(key);
    this.series.set(key, s);
    const max = this.opts.cacheSize ?? 4096;
    while (this.series.size > max) {
      const oldest = this.series.keys().next().value;
      if (oldest === undefined) break;
      this.series.delete(oldest);
    }
  }
}

/** The `involvedObject` of an Event about `obj`. */
export function referenceTo(obj: KubeObject): ObjectReference {
  const ref: ObjectReference = { kind: obj.kind, name: obj.metadata.name ?? '', apiVersion: obj.apiVersion };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}
