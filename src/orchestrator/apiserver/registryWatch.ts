import { errors } from '../api/errors.js';
import { matches, matchesFields, parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import type { KubeObject, Status, WatchEvent } from '../api/types.js';
import type { WatchOptions } from '../client/types.js';
import type { Disposable } from '../util/disposable.js';
import { StoreCompacted, type Store, type StoreEntry, type StoreEvent } from '../store/types.js';

export interface WatchSource {
  store: Store;
  decode(entry: StoreEntry): KubeObject;
  /** Versions below this one are gone (the registry's start): 410. */
  floor: number;
}

/**
 * The registry's watch: store events under `prefix` as watch events, filtered by selectors. An
 * object that stops matching a selector arrives as DELETED and one that starts matching as ADDED,
 * as the Kubernetes watch cache does. Without a resourceVersion (or with '0'), current objects come
 * first as ADDED. A too-old version produces one ERROR event with a 410 Expired Status and a
 * subscription carrying that `error`.
 */
export async function watchResource(src: WatchSource, prefix: string, opts: WatchOptions, handler: (e: WatchEvent) => void): Promise<Disposable & { error?: Status }> {
  const labels = parseLabelSelector(opts.labelSelector);
  const fields = parseFieldSelector(opts.fieldSelector);
  const match = (o: KubeObject) => matches(labels, o.metadata.labels) && matchesFields(fields, o);
  let from: number;
  if (!opts.resourceVersion || opts.resourceVersion === '0') {
    const list = await src.store.list(prefix);
    for (const e of list.items) {
      const o = src.decode(e);
      if (match(o)) handler({ type: 'ADDED', object: o });
    }
    from = list.revision;
  } else {
    from = Number(opts.resourceVersion);
    if (!Number.isInteger(from) || from < 0) throw errors.badRequest(`invalid resourceVersion "${opts.resourceVersion}"`);
    if (from < src.floor) return expired(from, src.floor, handler);
  }
  const onEvent = (ev: StoreEvent) => {
    // A version from the future (kube-apiserver accepts it): only what comes after it is news.
    if (ev.entry.modRevision <= from) return;
    const obj = src.decode(ev.entry);
    const now = match(obj);
    const before = ev.prev ? match(src.decode(ev.prev)) : false;
    if (ev.type === 'delete') {
      if (now || before) handler({ type: 'DELETED', object: obj });
    } else if (ev.created || (!ev.prev && now)) {
      if (now) handler({ type: 'ADDED', object: obj });
    } else if (now && before) handler({ type: 'MODIFIED', object: obj });
    else if (now) handler({ type: 'ADDED', object: obj });
    else if (before) handler({ type: 'DELETED', object: obj });
  };
  try {
    return src.store.watch(prefix, from, onEvent);
  } catch (e) {
    if (e instanceof StoreCompacted) return expired(from, e.compacted + 1, handler);
    throw e;
  }
}

/** The answer to a watch from a revision no longer available: one ERROR event with a 410 Expired Status. */
function expired(from: number, oldest: number, handler: (e: WatchEvent) => void): Disposable & { error: Status } {
  const status = errors.expired(`too old resource version: ${from} (${oldest})`).toStatus();
  handler({ type: 'ERROR', object: status as unknown as KubeObject });
  return { dispose() {}, error: status };
}
