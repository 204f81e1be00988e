import type { ServerResponse } from 'node:http';
import type { Logger } from '../util/logger.js';
import type { Registry } from './registry.js';

/** One named check; `check` returns why it fails, or undefined. */
export interface HealthCheck {
  name: string;
  check(): string | undefined;
}

export type HealthEndpoint = 'livez' | 'readyz' | 'healthz';

/**
 * kube-apiserver's health checks, over what Skiff's API server depends on: `etcd` is the datastore
 * (a failed fsync stops it for good: the process must be restarted), `informer-sync` the watch
 * caches the API serves lists and watches from (filling after a start), `shutdown` (readiness only)
 * fails once the control plane has begun to stop, so a client on a kept-alive connection learns to
 * go elsewhere while the server drains. `/livez` says whether to restart the process; `/readyz` (and
 * the older `/healthz`) whether to send it requests.
 */
export function healthChecks(registry: Registry, shuttingDown: () => boolean = () => false): Record<HealthEndpoint, HealthCheck[]> {
  const ping: HealthCheck = { name: 'ping', check: () => undefined };
  const log: HealthCheck = { name: 'log', check: () => undefined };
  const etcd: HealthCheck = { name: 'etcd', check: () => registry.store.health() };
  const informers: HealthCheck = {
    name: 'informer-sync',
    check: () => {
      const waiting = registry.caches.unsynced();
      return waiting.length ? `${waiting.length} watch caches not synced: ${waiting.slice(0, 5).join(', ')}` : undefined;
    },
  };
  const shutdown: HealthCheck = { name: 'shutdown', check: () => (shuttingDown() ? 'process is shutting down' : undefined) };
  return { livez: [ping, log, etcd], readyz: [ping, log, etcd, informers, shutdown], healthz: [ping, log, etcd, informers] };
}

/**
 * `/livez`, `/readyz`, `/healthz` as k8s.io/apiserver's healthz handler answers them: `ok` when every
 * check passes (with `?verbose`, one `[+]name ok` line per check, then `<endpoint> check passed`);
 * otherwise a 500 listing every check, a failed one as `[-]name failed: reason withheld` (the
 * endpoint is public; the reason goes to the log and to the single-check path). `?exclude=name`
 * skips a check.
 */
export function serveHealth(res: ServerResponse, endpoint: HealthEndpoint, checks: HealthCheck[], q: URLSearchParams, log: Logger): void {
  const excluded = new Set(q.getAll('exclude'));
  const lines: string[] = [];
  const failures: string[] = [];
  for (const c of checks) {
    if (excluded.delete(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    const why = c.check();
    if (why === undefined) lines.push(`[+]${c.name} ok`);
    else {
      lines.push(`[-]${c.name} failed: reason withheld`);
      failures.push(`[-]${c.name} failed: ${why}`);
    }
  }
  if (excluded.size) lines.push(`warn: some health checks cannot be excluded: no matches for ${[...excluded].sort().map((n) => `"${n}"`).join(',')}`);
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
  if (failures.length) {
    log.warn(`${endpoint} check failed`, { failed: failures.join('; ') });
    res.writeHead(500, headers);
    res.end(`${lines.join('\n')}\n${endpoint} check failed\n`);
    return;
  }
  res.writeHead(200, headers);
  res.end(q.has('verbose') ? `${lines.join('\n')}\n${endpoint} check passed\n` : 'ok');
}

/** `/livez/NAME` (and the others): one check, with its reason when it fails (callers need `get` on the path). */
export function serveHealthCheck(res: ServerResponse, check: HealthCheck | undefined): boolean {
  if (!check) return false;
  const why = check.check();
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
  res.writeHead(why === undefined ? 200 : 500, headers);
  res.end(why === undefined ? 'ok' : `internal server error: ${why}\n`);
  return true;
}
