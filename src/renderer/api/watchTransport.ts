import { resourcePath, type ResourceType } from '../../orchestrator/api/resources.js';
import type { KubeApi } from './client.js';
import { readLines } from './lines.js';

export interface StreamHandlers {
  /** The server accepted the watch. */
  onOpen(): void;
  /** Raw lines (JSON watch events). May throw to end the stream: the error rejects `stream`. */
  onLines(lines: string[]): void;
}

/** Thrown when this kind should be polled instead of streamed (see AutoTransport). */
export class StreamUnavailable extends Error {
  constructor() {
    super('watch streaming unavailable');
  }
}

/**
 * Carries one watch from `resourceVersion`. Resolves when the server ends the stream cleanly,
 * rejects on failure or when a handler throws; ends (resolving) when `signal` aborts.
 */
export interface WatchTransport {
  stream(r: ResourceType, rv: string, signal: AbortSignal, h: StreamHandlers, opts: { allowHttpStream: boolean }): Promise<void>;
}

/** The contract's plain form: `fetch` and a streamed newline-delimited body. */
export class HttpStreamTransport implements WatchTransport {
  constructor(private readonly api: KubeApi) {}

  async stream(r: ResourceType, rv: string, signal: AbortSignal, h: StreamHandlers): Promise<void> {
    const body = await this.api.openWatch(r, rv, signal);
    h.onOpen();
    await readLines(body, h.onLines);
  }
}

class NotOpened extends Error {}

export type TransportMode = 'unknown' | 'websocket' | 'http';

/** The subset of the browser's WebSocket used here (injectable for tests). */
export type WebSocketCtor = new (url: string) => WebSocket;

/**
 * Browsers allow six HTTP/1.1 connections per origin, and eight long-lived watches would starve
 * every other request. So watches go over WebSocket (as kube-apiserver offers: one JSON event per
 * message; they do not count against that limit) when the server accepts the upgrade. If it does
 * not, the transport falls back to HTTP streams for the kinds allowed one (`allowHttpStream`) and
 * throws StreamUnavailable for the rest, which then poll. The mode is learnt from the first watch
 * that opens.
 */
export class AutoTransport implements WatchTransport {
  mode: TransportMode = 'unknown';
  private readonly http: HttpStreamTransport;

  constructor(
    private readonly api: KubeApi,
    private readonly origin: string,
    private readonly WS: WebSocketCtor | undefined = globalThis.WebSocket,
  ) {
    this.http = new HttpStreamTransport(api);
  }

  async stream(r: ResourceType, rv: string, signal: AbortSignal, h: StreamHandlers, opts: { allowHttpStream: boolean }): Promise<void> {
    if (this.mode !== 'http' && this.WS) {
      try {
        return await this.websocket(r, rv, signal, h);
      } catch (e) {
        if (!(e instanceof NotOpened) || this.mode === 'websocket') throw e;
      }
    }
    if (!opts.allowHttpStream) throw new StreamUnavailable();
    await this.http.stream(r, rv, signal, {
      onOpen: () => {
        this.mode = 'http';
        h.onOpen();
      },
      onLines: h.onLines,
    });
  }

  private websocket(r: ResourceType, rv: string, signal: AbortSignal, h: StreamHandlers): Promise<void> {
    const WS = this.WS as WebSocketCtor;
    const path = this.api.url(resourcePath(r), { watch: 'true', resourceVersion: rv, allowWatchBookmarks: 'true' });
    const url = this.origin.replace(/^http/, 'ws') + path;
    return new Promise((resolve, reject) => {
      const sock = new WS(url);
      sock.binaryType = 'arraybuffer';
      let opened = false;
      let settled = false;
      const decoder = new TextDecoder();
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => {
        sock.close();
        finish();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      sock.onopen = () => {
        opened = true;
        this.mode = 'websocket';
        h.onOpen();
      };
      sock.onmessage = (ev: MessageEvent<unknown>) => {
        const text = typeof ev.data === 'string' ? ev.data : ev.data instanceof ArrayBuffer ? decoder.decode(ev.data) : '';
        try {
          h.onLines(text.split('\n'));
        } catch (e) {
          sock.close();
          finish(e instanceof Error ? e : new Error(String(e)));
        }
      };
      sock.onclose = (ev: CloseEvent) => {
        if (!opened) finish(new NotOpened());
        else if (ev.wasClean || signal.aborted) finish();
        else finish(new Error(`watch ${r.resource}: connection lost`));
      };
    });
  }
}
