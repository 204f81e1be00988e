import type { Pod } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Service account tokens for pods' projected volumes, as the kubelet's token manager: one
 * TokenRequest per (pod, service account, audience, lifetime), bound to the pod, kept until 80% of
 * its life has passed (or 24 h), then requested again, so a mounted token is always valid. While the
 * API is unreachable a token still valid is served from the cache.
 */
export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
  ) {}

  async token(pod: Pod, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const m = pod.metadata;
    const key = JSON.stringify([m.uid, m.namespace, serviceAccount, audience ?? '', expirationSeconds]);
    const now = this.clock.now();
    const c = this.cache.get(key);
    if (c && !this.needsRefresh(c, now)) return c.token;
    try {
      const st = await this.client.createToken(m.namespace ?? 'default', serviceAccount, {
        ...(audience ? { audiences: [audience] } : {}),
        expirationSeconds,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: m.name ?? '', uid: m.uid ?? '' },
      });
      const expiresAt = Date.parse(st.expirationTimestamp);
      this.cache.set(key, { token: st.token, issuedAt: now, expiresAt: Number.isFinite(expiresAt) ? expiresAt : now + expirationSeconds * 1000 });
      return st.token;
    } catch (e) {
      // The API is away: a token that has not expired yet still works.
      if (c && c.expiresAt > now) return c.token;
      throw e;
    }
  }

  /** When the earliest cached token of `podUid` should be refreshed (for requeueing), if any. */
  nextRefresh(podUid: string): number | undefined {
    let at: number | undefined;
    for (const [k, c] of this.cache) {
      if (!k.startsWith(JSON.stringify([podUid]).slice(0, -1))) continue;
      const t = refreshAt(c);
      at = at === undefined ? t : Math.min(at, t);
    }
    return at;
  }

  /** The pod is gone. */
  forget(podUid: string): void {
    const prefix = JSON.stringify([podUid]).slice(0, -1);
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
  }

  private needsRefresh(c: Cached, now: number): boolean {
    return now >= refreshAt(c);
  }
}

function refreshAt(c: Cached): number {
  return Math.min(c.issuedAt + 0.8 * (c.expiresAt - c.issuedAt), c.issuedAt + 24 * 3600_000);
}
