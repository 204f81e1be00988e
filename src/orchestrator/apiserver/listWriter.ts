import type { ServerResponse } from 'node:http';
import { tablePrinter, type TableOptions, type TableRow } from '../api/tables.js';
import type { ResourceType } from '../api/resources.js';
import type { KubeList, KubeObject } from '../api/types.js';
import { jsonOf } from './cacher/frozen.js';

/** Bytes (about) written per chunk; between chunks the event loop turns (and waits for `drain`). */
export const LIST_CHUNK = 256 * 1024;
/** Room past LIST_CHUNK for the object that crosses it, so most chunks need no second buffer. */
const CHUNK_SLACK = 64 * 1024;

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
  let i = 0;
  let pending: string | undefined;
  // Each chunk's strings are written straight into one buffer: joining 256 KB of them into a
  // string and encoding that cost 4-10x as much (a large string's allocation and flattening).
  // A string takes at most 3 bytes per UTF-16 unit, so a chunk never cuts one short.
  const chunk = (head: string): Buffer => {
    let buf = Buffer.allocUnsafe(LIST_CHUNK + CHUNK_SLACK + head.length * 3);
    let off = buf.write(head, 0, 'utf8');
    const reserve = end.length * 3;
    while (i < n && off < LIST_CHUNK) {
      const s = pending ?? item(i);
      pending = undefined;
      const need = s.length * 3 + 1 + reserve;
      if (off + need > buf.length) {
        if (off > 0) {
          pending = s;
          break;
        }
        // One object bigger than a chunk (a ConfigMap of 40,000 keys) gets a chunk of its own.
        buf = Buffer.allocUnsafe(need);
      }
      if (i > 0) buf[off++] = 0x2c; // ','
      off += buf.write(s, off, 'utf8');
      i++;
    }
    if (i >= n && pending === undefined) off += buf.write(end, off, 'utf8');
    return buf.subarray(0, off);
  };
  const first = chunk(start);
  if (i >= n && pending === undefined) {
    res.writeHead(200, { ...HEADERS, 'Content-Length': first.length });
    res.end(first);
    return;
  }
  res.writeHead(200, HEADERS);
  let next: Buffer = first;
  for (;;) {
    const done = i >= n && pending === undefined;
    const ok = res.write(next);
    if (done) break;
    if (res.destroyed) return;
    await (ok ? new Promise<void>((r) => setImmediate(r)) : drained(res));
    if (res.destroyed) return;
    next = chunk('');
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
