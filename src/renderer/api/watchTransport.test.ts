import { describe, expect, it } from 'vitest';
import { resourceType } from '../../orchestrator/api/resources.js';
import type { KubeObject, WatchEvent } from '../../orchestrator/api/types.js';
import { KubeApi, type FetchFn } from './client.js';
import { ResourceWatch, type Sleeper } from './watch.js';
import { AutoTransport, StreamUnavailable, type WebSocketCtor } from './watchTransport.js';

/** A scripted WebSocket: `accept` decides per URL whether the upgrade succeeds. */
function fakeSockets(accept: (url: string) => boolean) {
  const open: FakeSocket[] = [];
  class FakeSocket {
    binaryType = 'blob';
    onopen: (() => void) | null = null;
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    onclose: ((ev: { wasClean: boolean }) => void) | null = null;
    constructor(readonly url: string) {
      setTimeout(() => {
        if (accept(url)) {
          open.push(this);
          this.onopen?.();
        } else this.onclose?.({ wasClean: false });
      }, 0);
    }
    send(data: string) {
      this.onmessage?.({ data });
    }
    close() {
      this.onclose?.({ wasClean: true });
    }
  }
  return { WS: FakeSocket as unknown as WebSocketCtor, open };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const pods = resourceType('pods');
const ev = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'd', resourceVersion: rv } } });

describe('AutoTransport', () => {
  it('streams over WebSocket when the server accepts the upgrade', async () => {
    const { WS, open } = fakeSockets(() => true);
    const fetchFn: FetchFn = async () => new Response('unexpected', { status: 500 });
    const t = new AutoTransport(new KubeApi(fetchFn), 'http://127.0.0.1:9', WS);
    const lines: string[] = [];
    const abort = new AbortController();
    const done = t.stream(pods, '7', abort.signal, { onOpen: () => lines.push('open'), onLines: (l) => lines.push(...l) }, { allowHttpStream: true });
    await tick();
    expect((open[0] as unknown as { url: string }).url).toBe('ws://127.0.0.1:9/k8s/api/v1/pods?watch=true&resourceVersion=7&allowWatchBookmarks=true');
    (open[0] as unknown as { send(d: string): void }).send(ev('ADDED', 'a', '8'));
    abort.abort();
    await done;
    expect(lines).toEqual(['open', ev('ADDED', 'a', '8')]);
    expect(t.mode).toBe('websocket');
  });

  it('falls back to HTTP streams for primary kinds and tells secondary kinds to poll', async () => {
    const { WS } = fakeSockets(() => false);
    const fetchFn: FetchFn = async () => new Response(ev('ADDED', 'a', '8') + '\n');
    const t = new AutoTransport(new KubeApi(fetchFn), 'http://h', WS);
    const abort = new AbortController();
    await expect(t.stream(pods, '7', abort.signal, { onOpen: () => undefined, onLines: () => undefined }, { allowHttpStream: false })).rejects.toBeInstanceOf(StreamUnavailable);
    expect(t.mode).toBe('unknown');
    const lines: string[] = [];
    await t.stream(pods, '7', abort.signal, { onOpen: () => undefined, onLines: (l) => lines.push(...l) }, { allowHttpStream: true });
    expect(lines).toEqual([ev('ADDED', 'a', '8')]);
    expect(t.mode).toBe('http');
  });

  it('a secondary kind polls with lists while only HTTP streams work', async () => {
    const { WS } = fakeSockets(() => false);
    let lists = 0;
    const fetchFn: FetchFn = async (url) => {
      if (url.includes('watch=true')) return new Promise<Response>(() => undefined);
      lists++;
      return new Response(JSON.stringify({ kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: String(lists) }, items: [] }));
    };
    const api = new KubeApi(fetchFn);
    const t = new AutoTransport(api, 'http://h', WS);
    t.mode = 'http';
    const waits: number[] = [];
    // A real (short) timer: an instant fake would never yield to the test's own timers.
    const sleeper: Sleeper = { sleep: (ms) => (waits.push(ms), new Promise((r) => setTimeout(r, 1))) };
    const resets: KubeObject[][] = [];
    const events: WatchEvent[] = [];
    const w = new ResourceWatch(api, resourceType('events'), { reset: (i) => resets.push(i), event: (e) => events.push(e), state: () => undefined }, { transport: t, secondary: true, pollMs: 1500, sleeper });
    for (let i = 0; i < 50 && lists < 3; i++) await tick();
    w.dispose();
    expect(lists).toBeGreaterThanOrEqual(3);
    expect(waits.slice(0, 2)).toEqual([1500, 1500]);
    expect(resets.length).toBeGreaterThanOrEqual(3);
  });
});
