/**
 * Workload logs: many containers' streams (`timestamps=true`) merged into one list ordered by time,
 * bounded, with no line twice after a reconnect or a container restart. Pure: no I/O, no clock.
 */

/** One line as shown: from which pod/container, when (normalized RFC 3339, 9-digit fraction), what. */
export interface LogEntry {
  /** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: sorts as text in time order. */
  ts: string;
  pod: string;
  container: string;
  text: string;
  /** Arrival order, to keep lines with the same time in the order they came. */
  seq: number;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) ?/;

/**
 * Splits `2026-12-02T09:13:09.12345Z text` into a normalized time and the text. The engine trims
 * trailing zeros of the fraction, so `.5Z` and `.500000000Z` are the same instant: normalize them.
 * Offsets other than Z are converted to UTC. Undefined for a line without a timestamp.
 */
export function splitTimestamp(line: string): { ts: string; text: string } | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  let base = m[1] as string;
  if (m[3] !== 'Z') {
    const ms = Date.parse(`${base}${m[3]}`);
    if (Number.isNaN(ms)) return undefined;
    base = new Date(ms).toISOString().slice(0, 19);
  }
  return { ts: `${base}.${frac}Z`, text: line.slice(m[0].length) };
}

/**
 * Where one container's stream is, so a new connection resumes there: ask for `sinceTime=lastTs`
 * (the server sends lines from that instant on, inclusive) and drop what was already taken. Lines
 * before `lastTs` are old; lines at exactly `lastTs` are dropped as many times as they were taken.
 */
export class StreamCursor {
  lastTs: string | undefined;
  private atLast = new Map<string, number>();
  private replay: Map<string, number> | undefined;

  /** A new connection starts: lines at `lastTs` it repeats are recognised until a later line comes. */
  reconnected(): void {
    this.replay = new Map(this.atLast);
  }

  /** True when the line is new and should be shown. */
  accept(ts: string, text: string): boolean {
    if (this.lastTs !== undefined && ts < this.lastTs) return false;
    if (ts === this.lastTs) {
      const left = this.replay?.get(text) ?? 0;
      if (left > 0) {
        this.replay?.set(text, left - 1);
        return false;
      }
      this.atLast.set(text, (this.atLast.get(text) ?? 0) + 1);
      return true;
    }
    this.lastTs = ts;
    this.atLast = new Map([[text, 1]]);
    this.replay = undefined;
    return true;
  }

  /** The `sinceTime` to resume from (RFC 3339 with the fraction), or undefined before any line. */
  sinceTime(): string | undefined {
    return this.lastTs;
  }
}

/** The most lines a workload view keeps; the oldest go first. */
export const MAX_MERGED_LINES = 20_000;

/**
 * All lines in time order, at most `max`: appending is the common case (O(1)); a line older than
 * the newest (another pod's stream lagging) is inserted by binary search. When full, the oldest are
 * dropped and counted.
 */
export class MergedLog {
  private entries: LogEntry[] = [];
  private seq = 0;
  dropped = 0;
  /** Bumped on every change, for views that re-render on it. */
  version = 0;

  constructor(private readonly max = MAX_MERGED_LINES) {}

  get lines(): readonly LogEntry[] {
    return this.entries;
  }

  add(pod: string, container: string, ts: string, text: string): void {
    const e: LogEntry = { ts, pod, container, text, seq: this.seq++ };
    const list = this.entries;
    const last = list[list.length - 1];
    if (!last || last.ts <= ts) list.push(e);
    else {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as LogEntry).ts <= ts) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, e);
    }
    if (list.length > this.max) {
      const over = list.length - this.max;
      list.splice(0, over);
      this.dropped += over;
    }
    this.version++;
  }

  clear(): void {
    this.entries = [];
    this.dropped = 0;
    this.version++;
  }
}

/** Indexes of entries whose text contains `query` (case-insensitive); empty for an empty query. */
export function searchLines(lines: readonly LogEntry[], query: string): number[] {
  const q = query.toLowerCase();
  if (!q) return [];
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (l.text.toLowerCase().includes(q)) out.push(i);
  });
  return out;
}

/** `text` cut into plain and matching parts, for highlighting (case-insensitive). */
export function highlightParts(text: string, query: string): { text: string; match: boolean }[] {
  if (!query) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (;;) {
    const i = lower.indexOf(q, at);
    if (i < 0) break;
    if (i > at) parts.push({ text: text.slice(at, i), match: false });
    parts.push({ text: text.slice(i, i + q.length), match: true });
    at = i + q.length;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), match: false });
  return parts;
}

/** A stable colour slot (0..slots-1) per pod, so a pod keeps its colour while the view is open. */
export function colourSlot(pod: string, slots = 8): number {
  let h = 0;
  for (let i = 0; i < pod.length; i++) h = (h * 31 + pod.charCodeAt(i)) >>> 0;
  return h % slots;
}

/** The text of a download: one line per entry, `<time> <pod>/<container> <text>`. */
export function toDownloadText(lines: readonly LogEntry[], withTimestamps: boolean): string {
  return lines.map((l) => `${withTimestamps ? `${l.ts} ` : ''}${l.pod}/${l.container} ${l.text}`).join('\n') + (lines.length ? '\n' : '');
}
