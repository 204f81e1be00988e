import type { IncomingMessage, ServerResponse } from 'node:http';
import { toView, type VersionView } from '../api/conversion.js';
import type { ResourceType } from '../api/resources.js';
import { toTable } from '../api/tables.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import type { WatchOptions } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Registry } from './registry.js';
import { includeObjectPolicy, sendError, wantsTable } from './http.js';
import { queryBool, queryInt, queryOptionalBool } from './query.js';
import { jsonOf } from './cacher/frozen.js';

/** kube-apiserver sends a bookmark about once a minute, and one 2 s before the watch's timeout. */
const BOOKMARK_EVERY_MS = 60_000;
const BOOKMARK_BEFORE_END_MS = 2_000;

/**
 * Serves `?watch=true`: newline-delimited JSON events, flushed as they happen. Headers are flushed
 * at once (kubectl waits for them), the stream ends on `timeoutSeconds` or when the client goes
 * away (`res.on('close')`). With a Table Accept each event's object is a one-row Table.
 */
/**
 * A watch's options from its query, the same for streamed and WebSocket watches. `metadata.name`
 * narrows to one object; `sendInitialEvents=true` (watch-list) starts with the current objects as
 * ADDED, whatever the resourceVersion.
 */
export function watchOptions(namespace: string | undefined, q: URLSearchParams): WatchOptions {
  let fieldSelector = q.get('fieldSelector') ?? undefined;
  const name = q.get('metadata.name');
  if (name) fieldSelector = [fieldSelector, `metadata.name=${name}`].filter(Boolean).join(',');
  return {
    namespace,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector,
    resourceVersion: queryOptionalBool(q, 'sendInitialEvents') === true ? undefined : (q.get('resourceVersion') ?? undefined),
  };
}

export async function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { registry: Registry; clock: Clock },
  r: ResourceType,
  namespace: string | undefined,
  q: URLSearchParams,
  view?: VersionView,
): Promise<void> {
  const table = wantsTable(req.headers.accept);
  const include = includeObjectPolicy(q);
  const write = (ev: WatchEvent) => {
    if (res.writableEnded) return;
    if (table && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
      res.write(JSON.stringify({ type: ev.type, object: toTable(r, [ev.object], { now: deps.clock.now(), includeObject: include }) }) + '\n');
      return;
    }
    if (view && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
      res.write(JSON.stringify({ type: ev.type, object: toView(view, ev.object) }) + '\n');
      return;
    }
    // Objects from the watch cache are serialized once for every watcher (cacher/frozen.ts).
    res.write(`{"type":${JSON.stringify(ev.type)},"object":${jsonOf(ev.object)}}\n`);
  };
  const initialEvents = queryOptionalBool(q, 'sendInitialEvents') === true;
  const bookmarks = queryBool(q, 'allowWatchBookmarks');
  const timeout = queryInt(q, 'timeoutSeconds') ?? 0;
  let sub: { dispose(): void; error?: unknown; bookmark?: (annotations?: Record<string, string>) => void };
  try {
    sub = await deps.registry.watch(
      r.resource,
      watchOptions(namespace, q),
      (ev) => {
        if (!res.headersSent) start();
        write(ev);
      },
    );
  } catch (e) {
    sendError(res, e);
    return;
  }
  function start() {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
  }
  if (!res.headersSent) start();
  if (sub.error) {
    res.end();
    return;
  }
  const bookmark = (annotations?: Record<string, string>) => {
    // A cache watch may still be sending a backlog: its bookmark queues behind it.
    if (sub.bookmark) return sub.bookmark(annotations);
    const rv = String(deps.registry.store.currentRevision());
    const v = view?.r ?? r;
    const object: KubeObject = { apiVersion: v.group ? `${v.group}/${v.version}` : v.version, kind: r.kind, metadata: { resourceVersion: rv, ...(annotations ? { annotations } : {}) } };
    write({ type: 'BOOKMARK', object });
  };
  // Every event up to the store's current revision has been written (or queued) above: the bookmark is exact.
  if (initialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  const cancels: (() => void)[] = [];
  const end = () => {
    sub.dispose();
    for (const c of cancels) c();
    if (!res.writableEnded) res.end();
  };
  res.on('close', end);
  // Without a client timeout, end after 30-60 minutes as kube-apiserver does, so clients re-watch.
  // Node's timers hold at most 2^31-1 ms (about 24 days); a longer one would fire at once.
  const ms = timeout > 0 ? Math.min(timeout * 1000, 2 ** 31 - 1) : (1800 + Math.random() * 1800) * 1000;
  cancels.push(deps.clock.setTimeout(end, ms));
  if (bookmarks) cancels.push(scheduleBookmarks(deps.clock, deps.clock.now() + ms, () => bookmark()));
}

/**
 * Calls `send` about once a minute and once more 2 s before `deadline`, and not after that one: a
 * timer may fire a millisecond early by the wall clock, and must not then schedule another bookmark
 * for that last millisecond. Returns the cancel.
 */
export function scheduleBookmarks(clock: Clock, deadline: number, send: () => void): () => void {
  const last = deadline - BOOKMARK_BEFORE_END_MS;
  let cancel = () => {};
  const schedule = () => {
    const now = clock.now();
    const at = Math.min(now + BOOKMARK_EVERY_MS, last);
    if (at <= now) return;
    cancel = clock.setTimeout(() => {
      send();
      if (at < last) schedule();
    }, at - now);
  };
  schedule();
  return () => cancel();
}
