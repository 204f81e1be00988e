import type { ObjectMeta } from '../../orchestrator/api/types.js';
import type { KubeApi } from './client.js';
import { kindPath, type ApiKind } from './discovery.js';
import { ApiRequestError } from './errors.js';
import { isRecord, isStatus } from './guards.js';
import { readLines } from './lines.js';
import { realSleeper, type Sleeper } from './watch.js';

/** What `kubectl get` asks for: the server prints the columns, the UI only draws them. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** One row: the printed cells and the object's metadata (PartialObjectMetadata). */
export interface TableRow {
  /** `namespace/name` or `name`. */
  key: string;
  cells: readonly unknown[];
  metadata: ObjectMeta;
}

export interface KubeTable {
  columns: TableColumn[];
  rows: TableRow[];
  resourceVersion?: string;
}

function rowKey(m: ObjectMeta): string {
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/** Reads a meta.k8s.io/v1 Table; rows without object metadata (includeObject=None) are dropped. */
export function parseTable(body: unknown): KubeTable | undefined {
  if (!isRecord(body) || body.kind !== 'Table' || !Array.isArray(body.rows)) return undefined;
  const columns: TableColumn[] = (Array.isArray(body.columnDefinitions) ? body.columnDefinitions : []).filter(isRecord).map((c) => ({
    name: String(c.name ?? ''),
    type: String(c.type ?? 'string'),
    format: String(c.format ?? ''),
    description: String(c.description ?? ''),
    priority: typeof c.priority === 'number' ? c.priority : 0,
  }));
  const rows: TableRow[] = [];
  for (const r of body.rows) {
    if (!isRecord(r) || !Array.isArray(r.cells) || !isRecord(r.object) || !isRecord(r.object.metadata)) continue;
    const metadata = r.object.metadata as ObjectMeta;
    rows.push({ key: rowKey(metadata), cells: r.cells, metadata });
  }
  const meta = isRecord(body.metadata) ? body.metadata : {};
  return { columns, rows, ...(typeof meta.resourceVersion === 'string' ? { resourceVersion: meta.resourceVersion } : {}) };
}

export interface TableQuery {
  /** Undefined: every namespace. */
  namespace?: string;
  labelSelector?: string;
}

/** Lists one kind as a Table. */
export async function listTable(api: KubeApi, kind: ApiKind, q: TableQuery, signal?: AbortSignal): Promise<KubeTable> {
  const body = await api.json('GET', kindPath(kind, q.namespace), { accept: TABLE_ACCEPT, query: { labelSelector: q.labelSelector || undefined }, signal });
  const t = parseTable(body);
  if (!t) throw new ApiRequestError(500, `list ${kind.resource}: the server did not answer with a Table`);
  return t;
}

export type TableEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Receives one kind's table: the full table after each (re)list, then changed rows. */
export interface TableSink {
  reset(t: KubeTable): void;
  rows(changes: { type: TableEventType; row: TableRow }[]): void;
  state(s: 'loading' | 'live' | 'retrying', error?: string): void;
}

class Expired extends Error {}

/**
 * List + watch of one kind as Table rows (each watch event's object is a one-row Table), as
 * `kubectl get -w` does. Relists at once on 410, after a back-off on other failures, and resumes
 * from the last version seen when the server ends a stream. One HTTP connection while shown.
 */
export class TableWatch {
  private readonly abort = new AbortController();
  readonly done: Promise<void>;

  constructor(
    private readonly api: KubeApi,
    private readonly kind: ApiKind,
    private readonly query: TableQuery,
    private readonly sink: TableSink,
    private readonly sleeper: Sleeper = realSleeper,
  ) {
    this.done = this.run();
  }

  dispose(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let rv: string | undefined;
    let backoff = 500;
    this.sink.state('loading');
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          const t = await listTable(this.api, this.kind, this.query, signal);
          if (signal.aborted) return;
          this.sink.reset(t);
          rv = t.resourceVersion ?? '0';
        }
        const res = await this.api.send('GET', kindPath(this.kind, this.query.namespace), {
          accept: TABLE_ACCEPT,
          query: { watch: 'true', resourceVersion: rv, allowWatchBookmarks: 'true', labelSelector: this.query.labelSelector || undefined },
          signal,
        });
        if (!res.body) throw new Error('watch: no body');
        this.sink.state('live');
        backoff = 500;
        const started = Date.now();
        await readLines(res.body, (lines) => {
          const changes: { type: TableEventType; row: TableRow }[] = [];
          try {
            for (const l of lines) rv = this.onLine(l, rv, changes);
          } finally {
            // What arrived before an error still happened.
            if (changes.length > 0 && !signal.aborted) this.sink.rows(changes);
          }
        });
        if (Date.now() - started < 1000) await this.sleeper.sleep(backoff, signal);
      } catch (e) {
        if (signal.aborted) return;
        rv = undefined;
        if (e instanceof Expired) continue;
        this.sink.state('retrying', e instanceof Error ? e.message : String(e));
        await this.sleeper.sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 15_000);
      }
    }
  }

  private onLine(line: string, rv: string | undefined, out: { type: TableEventType; row: TableRow }[]): string | undefined {
    if (line.trim() === '') return rv;
    const ev: unknown = JSON.parse(line);
    if (!isRecord(ev) || typeof ev.type !== 'string') throw new Error('watch: unexpected event');
    if (ev.type === 'ERROR') {
      const s = ev.object;
      if (isStatus(s) && (s.code === 410 || s.reason === 'Expired' || s.reason === 'Gone')) throw new Expired();
      throw new Error(isStatus(s) ? (s.message ?? 'watch error') : 'watch error');
    }
    if (ev.type === 'BOOKMARK') {
      const m = isRecord(ev.object) && isRecord(ev.object.metadata) ? ev.object.metadata : {};
      return typeof m.resourceVersion === 'string' ? m.resourceVersion : rv;
    }
    const t = parseTable(ev.object);
    if (!t) return rv;
    let next = rv;
    for (const row of t.rows) {
      out.push({ type: ev.type as TableEventType, row });
      next = row.metadata.resourceVersion ?? next;
    }
    return next;
  }
}
