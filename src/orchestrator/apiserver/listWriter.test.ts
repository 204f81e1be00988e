import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from '../api/types.js';
import { LIST_CHUNK, sendList, sendTable } from './listWriter.js';

/** A response that keeps what was written, and asks for `drain` now and then as a slow socket does. */
function sink(): ServerResponse & { body(): string; chunks: number; headers: Record<string, unknown> } {
  const out: Buffer[] = [];
  const r = Object.assign(new EventEmitter(), {
    headersSent: false,
    destroyed: false,
    chunks: 0,
    headers: {} as Record<string, unknown>,
    writeHead(_code: number, h: Record<string, unknown>) {
      r.headersSent = true;
      r.headers = h;
      return r;
    },
    write(b: Buffer) {
      out.push(Buffer.from(b));
      r.chunks++;
      if (r.chunks % 3 === 0) {
        setImmediate(() => r.emit('drain'));
        return false;
      }
      return true;
    },
    end(b?: Buffer) {
      if (b) out.push(Buffer.from(b));
    },
    body: () => Buffer.concat(out).toString('utf8'),
  });
  return r as unknown as ServerResponse & { body(): string; chunks: number; headers: Record<string, unknown> };
}

const cm = (i: number, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'default' }, data } as KubeObject);

describe('sendList', () => {
  it('writes exactly JSON.stringify(list), in chunks, for any text and any object size', async () => {
    const items = Array.from({ length: 400 }, (_, i) =>
      cm(i, {
        text: `é 日本 🚀 \u2028 "quoted" \\ ${'x'.repeat(i * 13)}`,
        // One object far bigger than a chunk, in the middle.
        ...(i === 200 ? { big: '長'.repeat(LIST_CHUNK) } : {}),
      }),
    );
    const list: KubeList = { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7' }, items };
    const res = sink();
    await sendList(res, list);
    expect(res.body()).toBe(JSON.stringify(list));
    expect(res.chunks).toBeGreaterThan(4);
    expect(res.headers['Content-Length']).toBeUndefined();
  });

  it('sends a small list at once with its length, an empty one too', async () => {
    for (const items of [[], [cm(1, { a: 'ü' })]]) {
      const list: KubeList = { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '3' }, items };
      const res = sink();
      await sendList(res, list);
      expect(res.body()).toBe(JSON.stringify(list));
      expect(res.headers['Content-Length']).toBe(Buffer.byteLength(JSON.stringify(list)));
      expect(res.chunks).toBe(0);
    }
  });

  it('streams Table rows the same way', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => cm(i, { a: 'v'.repeat(100) }));
    const res = sink();
    await sendTable(res, { kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '9' }, items }, { now: 0 });
    const table = JSON.parse(res.body()) as { kind: string; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    expect(table.rows).toHaveLength(3000);
    expect(table.rows[2999]?.cells[0]).toBe('cm-2999');
  });
});
