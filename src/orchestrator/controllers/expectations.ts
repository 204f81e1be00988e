import type { Clock } from '../util/clock.js';

interface Entry {
  adds: number;
  deletes: Set<string>;
  at: number;
}

/**
 * client-go's (UID-tracking) ControllerExpectations: after a controller creates or deletes pods, its
 * informer cache lags behind; until the cache has seen what was asked for, a reconcile must not act
 * on the stale count (it would create twice). Adds are counted; deletes are tracked per pod key so a
 * pod seen terminating and then deleted counts once. Expectations expire after `ttlMs` so a lost
 * event cannot wedge a controller.
 */
export class Expectations {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  satisfied(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.deletes.size === 0) || this.clock.now() - e.at > this.ttlMs) {
      this.entries.delete(key);
      return true;
    }
    return false;
  }

  expectAdds(key: string, n: number): void {
    this.entry(key).adds += n;
  }

  expectDeletes(key: string, podKeys: string[]): void {
    const e = this.entry(key);
    for (const k of podKeys) e.deletes.add(k);
  }

  observeAdd(key: string): void {
    const e = this.entries.get(key);
    if (e) e.adds--;
  }

  observeDelete(key: string, podKey: string): void {
    this.entries.get(key)?.deletes.delete(podKey);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (!e) {
      e = { adds: 0, deletes: new Set(), at: this.clock.now() };
      this.entries.set(key, e);
    }
    e.at = this.clock.now();
    return e;
  }
}
