// What the benches that load a control plane from outside share: the control plane in a child
// process (support/controlPlaneProcess.ts), HTTPS clients with keep-alive, latency statistics.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';
import type { StoreStats } from '../../src/orchestrator/store/SqliteStore.js';
import { serverCommand } from '../support/serverEntry.js';

export interface ServerStats {
  /** Event-loop delay since the previous `stats()`, ms. */
  loop: { p50: number; p99: number; max: number };
  rssMb: number;
  heapMb: number;
  /** The V8 heap reserved (used or not) and memory outside it (Buffers), MB. */
  heapTotalMb?: number;
  externalMb?: number;
  /** CPU time the server process has used so far (user + system, every thread), ms. */
  cpuMs?: number;
  /** The datastore's figures (batches, writes, how long its calls held the loop). */
  store?: StoreStats;
}

export interface ServerHandle {
  apiUrl: string;
  caPem: string;
  token: string;
  kubeconfig: string;
  /** The control plane's data directory. */
  home: string;
  stats(timeoutMs?: number): Promise<ServerStats | undefined>;
  /** Starts a scheduler late, in a control plane started without the manager's (controlPlaneProcess.ts). */
  startScheduler(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the bench control plane in a child process with `options` (merged into ControlPlaneOptions), of this checkout or of the one at `root` (to compare two; bench/support/controlPlaneProcess.ts). */
export async function startServer(options: Record<string, unknown> = {}, root = '.'): Promise<ServerHandle> {
  const child = spawn(process.execPath, await serverCommand('bench/support/controlPlaneProcess.ts', [JSON.stringify(options)], root), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = (timeoutMs: number) =>
    new Promise<string | undefined>((resolve) => {
      const t = setTimeout(() => {
        waiting.splice(waiting.indexOf(done), 1);
        resolve(undefined);
      }, timeoutMs);
      const done = (l: string) => {
        clearTimeout(t);
        resolve(l);
      };
      waiting.push(done);
    });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const first = await Promise.race([next(120_000), exited.then(() => undefined)]);
  if (!first) throw new Error('the bench control plane did not start');
  const info = JSON.parse(first) as { apiUrl: string; caPem: string; token: string; kubeconfig: string; home: string };
  return {
    ...info,
    async stats(timeoutMs = 30_000) {
      child.stdin.write('stats\n');
      const l = await next(timeoutMs);
      return l ? (JSON.parse(l) as ServerStats) : undefined;
    },
    async startScheduler() {
      child.stdin.write('scheduler\n');
      if (!(await next(30_000))) throw new Error('the bench control plane did not start its scheduler');
    },
    async stop() {
      child.stdin.end('stop\n');
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

export interface Reply {
  status: number;
  bytes: number;
  body: Buffer;
  ms: number;
}

/** A client of the API: one keep-alive connection, as one kubectl or agent holds. */
export class Client {
  private readonly agent: Agent;
  constructor(private readonly s: Pick<ServerHandle, 'apiUrl' | 'caPem' | 'token'>) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 1, ca: s.caPem });
  }

  /** One request; rejects on a network error or when no answer came within `timeoutMs`. */
  call(method: string, path: string, opts: { body?: unknown; accept?: string; timeoutMs?: number; keepBody?: boolean; contentType?: string } = {}): Promise<Reply> {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.s.apiUrl),
        {
          method,
          agent: this.agent,
          timeout: opts.timeoutMs ?? 60_000,
          headers: {
            authorization: `Bearer ${this.s.token}`,
            accept: opts.accept ?? 'application/json',
            ...(data !== undefined ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (opts.keepBody !== false) chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 60_000} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Like `call`, but throws unless the status is 2xx; returns the parsed body. */
  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call(method, path, { body });
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
    return JSON.parse(r.body.toString()) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** The p-th percentile (0..100) of `xs`, nearest rank. */
export function pct(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/** Runs `n` tasks with at most `width` at once, each on its own worker index. */
export async function pool(n: number, width: number, task: (i: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async (_, w) => {
      while (next < n) await task(next++, w);
    }),
  );
}

export const fmtMs = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`) : '-');
export const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

/** Prints rows of cells as aligned columns. */
export function table(rows: string[][]): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('   '));
}
