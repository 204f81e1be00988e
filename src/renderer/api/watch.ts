import type { ResourceType } from '../../orchestrator/api/resources.js';
import type { KubeObject, WatchEvent } from '../../orchestrator/api/types.js';
import type { KubeApi } from './client.js';
import { isStatus, isWatchEvent } from './guards.js';
import { HttpStreamTransport, StreamUnavailable, type WatchTransport } from './watchTransport.js';

/** Where one kind's watch stands: `connecting` before its first list, `live` while streaming, `retrying` after a failure. */
export type WatchState = 'connecting' | 'live' | 'retrying';

/**
 * Receives one kind's changes, in order. `reset` replaces everything known about the kind (after a
 * list); `event` is one ADDED/MODIFIED/DELETED after it. Never called after `dispose`.
 */
export interface WatchSink {
  reset(items: KubeObject[]): void;
  event(e: WatchEvent): void;
  state(s: WatchState, error?: string): void;
}

export interface Sleeper {
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realSleeper: Sleeper = {
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    }),
};

export interface WatchOptions {
  sleeper?: Sleeper;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  /** Defaults to a plain HTTP stream. */
  transport?: WatchTransport;
  /**
   * A secondary kind may not hold an HTTP connection open: when its transport cannot stream it
   * (StreamUnavailable) it is polled every `pollMs` instead.
   */
  secondary?: boolean;
  pollMs?: number;
}

class Expired extends Error {}

/**
 * List + watch of one resource kind that never gives up: on a 410 Expired it relists at once; on a
 * network or HTTP failure it waits (exponential backoff, reset by the next healthy event) and relists;
 * when the server ends a stream cleanly it watches again from the last resourceVersion it saw.
 */
export class ResourceWatch {
  private readonly abort = new AbortController();
  private readonly sleeper: Sleeper;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private backoff: number;
  private readonly now: () => number;
  private readonly transport: WatchTransport;
  private readonly secondary: boolean;
  private readonly pollMs: number;
  /** Settles when the loop has stopped (after `dispose`). */
  readonly done: Promise<void>;

  constructor(
    private readonly api: KubeApi,
    private readonly resource: ResourceType,
    private readonly sink: WatchSink,
    opts: WatchOptions = {},
  ) {
    this.sleeper = opts.sleeper ?? realSleeper;
    this.minBackoff = opts.minBackoffMs ?? 500;
    this.maxBackoff = opts.maxBackoffMs ?? 15_000;
    this.backoff = this.minBackoff;
    this.now = opts.now ?? (() => Date.now());
    this.transport = opts.transport ?? new HttpStreamTransport(api);
    this.secondary = opts.secondary ?? false;
    this.pollMs = opts.pollMs ?? 2000;
    this.done = this.run();
  }

  dispose(): void {
    this.abort.abort();
  }

  private get disposed(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let rv: string | undefined;
    this.sink.state('connecting');
    while (!this.disposed) {
      try {
        if (rv === undefined) {
          const list = await this.api.list(this.resource, signal);
          if (this.disposed) return;
          this.sink.reset(list.items);
          rv = list.metadata.resourceVersion;
        }
        const started = this.now();
        await this.transport.stream(
          this.resource,
          rv,
          signal,
          {
            onOpen: () => {
              this.sink.state('live');
              this.backoff = this.minBackoff;
            },
            onLines: (lines) => {
              for (const line of lines) rv = this.onLine(line, rv);
            },
          },
          { allowHttpStream: !this.secondary },
        );
        if (this.disposed) return;
        // A stream the server closes at once, again and again, must not spin: back off.
        if (this.now() - started < 1000) await this.pause();
      } catch (e) {
        if (this.disposed) return;
        if (e instanceof Expired) {
          rv = undefined;
          continue;
        }
        if (e instanceof StreamUnavailable) {
          // Polling: the list just made is the update; list again after a pause.
          rv = undefined;
          this.sink.state('live');
          await this.sleeper.sleep(this.pollMs, signal);
          continue;
        }
        rv = undefined;
        this.sink.state('retrying', e instanceof Error ? e.message : String(e));
        await this.pause();
      }
    }
  }

  /** Handles one line; returns the resourceVersion to resume from. Throws Expired on a 410. */
  private onLine(line: string, rv: string | undefined): string | undefined {
    if (this.disposed || line.trim() === '') return rv;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`watch ${this.resource.resource}: malformed event`);
    }
    if (!isWatchEvent(parsed)) throw new Error(`watch ${this.resource.resource}: unexpected event`);
    if (parsed.type === 'ERROR') {
      const status: unknown = parsed.object;
      if (isStatus(status) && (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone')) throw new Expired();
      throw new Error(isStatus(status) ? (status.message ?? 'watch error') : 'watch error');
    }
    const next = parsed.object.metadata.resourceVersion ?? rv;
    if (parsed.type !== 'BOOKMARK') this.sink.event(parsed);
    return next;
  }

  private async pause(): Promise<void> {
    const ms = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
    await this.sleeper.sleep(ms, this.abort.signal);
  }
}
