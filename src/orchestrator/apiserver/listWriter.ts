import type { ServerResponse } from 'node:http';
import { tablePrinter, type TableOptions, type TableRow } from '../api/tables.js';
import type { ResourceType } from '../api/resources.js';
import type { KubeList, KubeObject } from '../api/types.js';
import { jsonOf } from './cacher/frozen.js';

/** Bytes (about) written per chunk; between chunks the event loop turns (and waits for `drain`). */
export const LIST_CHUNK = 256 * 1024;

const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };

/**
 * Sends a list as JSON, exactly as `JSON.stringify(list)` would, without ever building it whole:
 * items are serialized one by one (each cached object once, see cacher/frozen.ts), written in
 * chunks of about LIST_CHUNK with a turn of the event loop between, so an 11 MB list of 5,000
 * pods never holds the loop for long nor doubles the process's memory. A list that fits one
 * chunk goes out at once with a Content-Length.
 */
export function sendList(res: ServerResponse, list: KubeList): Promise<void> {
  const { items, ...head } = list;
  const start = JSON.stringify(head).slice(0, -1) + ',"items":[';
  return stream(res, start, items.length, (i) => jsonOf(items[i] as KubeObject), ']}');
}

/** Sends a list as a meta.k8s.io Table (`kubectl get`), rows rendered and written chunk by chunk. */
export function sendTable(res: ServerResponse, r: Pick<ResourceType, 'kind'>, list: KubeList, opts: TableOptions): Promise<void> {
  const p = tablePrinter(r, opts);
  const { resourceVersion, continue: cont, remainingItemCount } = list.metadata;
  const metadata = { resourceVersion, ...(cont ? { continue: cont } : {}), ...(remainingItemCount !== undefined ? { remainingItemCount } : {}) };
  const start = `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"columnDefinitions":${JSON.stringify(p.columnDefinitions)},"rows":[`;
  return stream(res, start, list.items.length, (i) => rowJson(p.row(list.items[i] as KubeObject)), ']}');
}

/** `JSON.stringify(row)`, with the row's object (or its metadata) from the serialization cache. */
function rowJson(row: TableRow): string {
  let s = '{"cells":' + JSON.stringify(row.cells);
  if (row.conditions) s += ',"conditions":' + JSON.stringify(row.conditions);
  const o = row.object;
  if (o) {
    s += o.kind === 'PartialObjectMetadata' ? `,"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":${jsonOf(o.metadata)}}` : `,"object":${jsonOf(o)}`;
  }
  return s + '}';
}

async function stream(res: ServerResponse, start: string, n: number, item: (i: number) => string, end: string): Promise<void> {
  if (res.headersSent) {
    res.end();
    return;
  }
  let parts: string[] = [start];
  let size = start.length;
  let i = 0;
  const fill = () => {
    while (i < n && size < LIST_CHUNK) {
      const s = (i > 0 ? ',' : '') + item(i++);
      parts.push(s);
      size += s.length;
    }
  };
  fill();
  if (i >= n) {
    parts.push(end);
    const body = parts.join('');
    res.writeHead(200, { ...HEADERS, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200, HEADERS);
  for (;;) {
    const done = i >= n;
    if (done) parts.push(end);
    const ok = res.write(parts.join(''));
    parts = [];
    size = 0;
    if (done) break;
    if (res.destroyed) return;
    await (ok ? new Promise<void>((r) => setImmediate(r)) : drained(res));
    if (res.destroyed) return;
    fill();
  }
  res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
