import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { healthChecks, serveHealth, serveHealthCheck, type HealthCheck } from './health.js';

/** What a handler wrote: status and body. */
function capture(): ServerResponse & { status: number; body: string } {
  const r = { status: 0, body: '', writeHead: (s: number) => ((r.status = s), r), end: (b: string) => ((r.body = b), r) };
  return r as unknown as ServerResponse & { status: number; body: string };
}

const checks = (failing?: string): HealthCheck[] => ['ping', 'log', 'etcd'].map((name) => ({ name, check: () => (name === failing ? 'fsync failed: EIO' : undefined) }));

describe('/livez, /readyz, /healthz', () => {
  it('answer ok, or every check line with ?verbose, as kube-apiserver does', () => {
    const plain = capture();
    serveHealth(plain, 'livez', checks(), new URLSearchParams(), silentLogger);
    expect([plain.status, plain.body]).toEqual([200, 'ok']);
    const verbose = capture();
    serveHealth(verbose, 'readyz', checks(), new URLSearchParams('verbose'), silentLogger);
    expect(verbose.body).toBe('[+]ping ok\n[+]log ok\n[+]etcd ok\nreadyz check passed\n');
  });

  it('answer 500 listing the checks when one fails, its reason withheld (public) but given on its own path', () => {
    const failed = capture();
    serveHealth(failed, 'livez', checks('etcd'), new URLSearchParams(), silentLogger);
    expect([failed.status, failed.body]).toEqual([500, '[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\nlivez check failed\n']);
    const one = capture();
    expect(serveHealthCheck(one, checks('etcd')[2])).toBe(true);
    expect([one.status, one.body]).toEqual([500, 'internal server error: fsync failed: EIO\n']);
    expect(serveHealthCheck(capture(), undefined)).toBe(false);
    // ?exclude skips a check, and says which names matched none.
    const excluded = capture();
    serveHealth(excluded, 'livez', checks('etcd'), new URLSearchParams('exclude=etcd&exclude=nope&verbose'), silentLogger);
    expect([excluded.status, excluded.body]).toEqual([200, '[+]ping ok\n[+]log ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nlivez check passed\n']);
  });

  it('check the real datastore and watch caches', async () => {
    const c = await memoryCluster();
    const hc = healthChecks(c.registry);
    expect(hc.livez.map((x) => x.name)).toEqual(['ping', 'log', 'etcd']);
    expect(hc.readyz.map((x) => x.name)).toEqual(['ping', 'log', 'etcd', 'informer-sync', 'shutdown']);
    const sync = hc.readyz.find((x) => x.name === 'informer-sync') as HealthCheck;
    await c.client.list('pods');
    await expect.poll(() => sync.check()).toBeUndefined();
    const etcd = hc.livez.find((x) => x.name === 'etcd') as HealthCheck;
    expect(etcd.check()).toBeUndefined();
    c.registry.store.close();
    expect(etcd.check()).toBe('the datastore is closed');
    c.dispose();
  });

  it('fail readiness, not liveness, once the control plane is stopping', async () => {
    const c = await memoryCluster();
    let stopping = false;
    const hc = healthChecks(c.registry, () => stopping);
    const shutdown = hc.readyz.find((x) => x.name === 'shutdown') as HealthCheck;
    expect(shutdown.check()).toBeUndefined();
    stopping = true;
    expect(shutdown.check()).toBe('process is shutting down');
    expect(hc.livez.map((x) => x.name)).not.toContain('shutdown');
    c.dispose();
  });
});
