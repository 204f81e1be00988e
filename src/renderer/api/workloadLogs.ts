import { resourcePath, resourceType } from '../../orchestrator/api/resources.js';
import { MergedLog, splitTimestamp, StreamCursor } from '../store/logMerge.js';
import { LineSplitter } from './lines.js';

/** Which lines to load first: the last N, those of the last S seconds, or everything. */
export type LogRange = { tailLines: number } | { sinceSeconds: number } | { all: true };

export interface LogQuery {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  previous: boolean;
  range?: LogRange;
  /** Resume point (RFC 3339): overrides `range`. */
  sinceTime?: string;
}

/** The WebSocket URL of `pods/log` with timestamps (the UI server's `/k8s`, same origin). */
export function logSocketUrl(origin: string, q: LogQuery): string {
  const p = new URLSearchParams({ container: q.container, timestamps: 'true' });
  if (q.follow) p.set('follow', 'true');
  if (q.previous) p.set('previous', 'true');
  if (q.sinceTime) p.set('sinceTime', q.sinceTime);
  else if (q.range && 'tailLines' in q.range) p.set('tailLines', String(q.range.tailLines));
  else if (q.range && 'sinceSeconds' in q.range) p.set('sinceSeconds', String(q.range.sinceSeconds));
  return `${origin.replace(/^http/, 'ws')}/k8s${resourcePath(resourceType('pods'), q.namespace, q.pod, 'log')}?${p}`;
}

/** An open log stream; `close` ends it without calling `onEnd`. */
export interface LogStreamHandle {
  close(): void;
}

/** Opens one log stream: lines as they complete, then `onEnd` (with a reason if it failed). */
export type OpenLogStream = (q: LogQuery, onLines: (lines: string[]) => void, onEnd: (error?: string) => void) => LogStreamHandle;

/** The browser's way: `pods/log` over a WebSocket (`binary.k8s.io`), so N streams use no HTTP connections. */
export function webSocketLogStream(origin: string): OpenLogStream {
  return (q, onLines, onEnd) => {
    const ws = new WebSocket(logSocketUrl(origin, q), ['binary.k8s.io']);
    ws.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    const split = new LineSplitter();
    let closed = false;
    let opened = false;
    ws.onopen = () => (opened = true);
    ws.onmessage = (ev) => {
      const text = typeof ev.data === 'string' ? ev.data : decoder.decode(new Uint8Array(ev.data as ArrayBuffer), { stream: true });
      const lines = split.push(text);
      if (lines.length) onLines(lines);
    };
    ws.onclose = (ev) => {
      if (closed) return;
      closed = true;
      const rest = split.flush();
      if (rest.length) onLines(rest);
      onEnd(ev.code === 1000 ? undefined : opened ? `connection closed (${ev.code})` : 'the server refused the log stream (the container may not have started)');
    };
    return {
      close() {
        closed = true;
        ws.close(1000);
      },
    };
  };
}

/** One container of one pod, as the session should follow it. */
export interface LogTarget {
  pod: string;
  container: string;
  /** Changes when the container (re)starts: a stream that ended resumes then. */
  incarnation: string;
  /** The container has run (it has logs); a container still being created is waited for. */
  started: boolean;
  running: boolean;
}

export interface SessionOptions {
  namespace: string;
  previous: boolean;
  range: LogRange;
  open: OpenLogStream;
  /** Timers, injected so tests can run on a fake clock. */
  setTimeout(fn: () => void, ms: number): () => void;
  /** Called at most once per `schedule` tick when lines arrived. */
  schedule(fn: () => void): () => void;
}

interface Stream {
  target: LogTarget;
  cursor: StreamCursor;
  handle?: LogStreamHandle;
  retry?: () => void;
  failures: number;
  /** The stream ended for the incarnation it read; waiting for the next one. */
  endedFor?: string;
  error?: string;
}

const key = (t: { pod: string; container: string }) => `${t.pod}/${t.container}`;

/**
 * A workload's logs: one stream per pod and container, merged by time into a bounded log.
 * `setTargets` is called whenever the pods change: new containers are followed, gone ones are
 * closed (their lines stay). A stream that ends resumes from its last line (`sinceTime`, with the
 * boundary de-duplicated) when its container runs again or, if it still runs, after a back-off.
 * With `previous`, each container's last terminated run is read once, without following.
 */
export class WorkloadLogSession {
  readonly log = new MergedLog();
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<() => void>();
  private cancelNotify?: () => void;
  private disposed = false;
  /** Bumped whenever listeners are told of a change (lines, or a stream's state). */
  tick = 0;

  constructor(private readonly o: SessionOptions) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Streams and their state, for the view's status line. */
  status(): { streaming: number; waiting: number; errors: string[] } {
    let streaming = 0;
    let waiting = 0;
    const errors: string[] = [];
    for (const s of this.streams.values()) {
      if (s.handle) streaming++;
      else waiting++;
      if (s.error) errors.push(`${key(s.target)}: ${s.error}`);
    }
    return { streaming, waiting, errors };
  }

  setTargets(targets: readonly LogTarget[]): void {
    if (this.disposed) return;
    const want = new Map(targets.map((t) => [key(t), t]));
    for (const [k, s] of this.streams) {
      if (!want.has(k)) {
        s.handle?.close();
        s.retry?.();
        this.streams.delete(k);
      }
    }
    for (const [k, t] of want) {
      let s = this.streams.get(k);
      if (!s) {
        s = { target: t, cursor: new StreamCursor(), failures: 0 };
        this.streams.set(k, s);
      }
      const changed = s.target.incarnation !== t.incarnation;
      s.target = t;
      if (changed && s.retry && !this.o.previous) {
        s.retry();
        s.retry = undefined;
      }
      if (!s.handle && !s.retry && t.started && (s.endedFor === undefined || (changed && !this.o.previous))) this.start(s);
    }
    this.notify();
  }

  private start(s: Stream): void {
    const t = s.target;
    const resume = s.cursor.sinceTime();
    if (resume) s.cursor.reconnected();
    s.endedFor = undefined;
    const readFor = t.incarnation;
    s.handle = this.o.open(
      { namespace: this.o.namespace, pod: t.pod, container: t.container, follow: !this.o.previous, previous: this.o.previous, range: this.o.range, ...(resume ? { sinceTime: resume } : {}) },
      (lines) => {
        for (const line of lines) {
          const st = splitTimestamp(line);
          const ts = st?.ts ?? s.cursor.lastTs ?? '0000-00-00T00:00:00.000000000Z';
          const text = st ? st.text : line;
          if (s.cursor.accept(ts, text)) this.log.add(t.pod, t.container, ts, text);
        }
        s.failures = 0;
        s.error = undefined;
        this.notify();
      },
      (error) => {
        s.handle = undefined;
        if (this.disposed || this.streams.get(key(t)) !== s) return;
        s.error = error;
        if (this.o.previous) {
          s.endedFor = readFor;
          return this.notify();
        }
        // The container restarted meanwhile: read the new run from where the old one ended.
        if (s.target.incarnation !== readFor) return this.start(s);
        // A container that stopped ends its stream: resume when it runs again (a new incarnation).
        if (!s.target.running) {
          s.endedFor = readFor;
          return this.notify();
        }
        // Still running: the connection dropped. Resume after a back-off.
        s.failures++;
        const delay = Math.min(10_000, 500 * 2 ** Math.min(5, s.failures - 1));
        s.retry = this.o.setTimeout(() => {
          s.retry = undefined;
          if (!this.disposed && this.streams.get(key(t)) === s) this.start(s);
        }, delay);
        this.notify();
      },
    );
  }

  private notify(): void {
    this.cancelNotify ??= this.o.schedule(() => {
      this.cancelNotify = undefined;
      this.tick++;
      for (const fn of this.listeners) fn();
    });
  }

  dispose(): void {
    this.disposed = true;
    this.cancelNotify?.();
    for (const s of this.streams.values()) {
      s.handle?.close();
      s.retry?.();
    }
    this.streams.clear();
    this.listeners.clear();
  }
}
