import type { KubeObject } from '../api/types.js';
import { Informer } from './Informer.js';
import type { Client } from './types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * One informer per resource, shared by every controller and the scheduler (client-go's
 * SharedInformerFactory): each kind is listed and watched once, whatever the number of consumers.
 *
 * `get` may be called before or after `start`; an informer asked for after `start` starts at once.
 * Handlers added late see the cache's current objects as adds (Informer.addHandlers).
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  private started = false;

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get<T extends KubeObject = KubeObject>(resource: string): Informer<T> {
    let inf = this.informers.get(resource);
    if (!inf) {
      inf = new Informer(this.client, resource, this.clock, this.log.child({ informer: resource }));
      this.informers.set(resource, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves when the named informers (default: all created so far) have listed once. */
  async waitForSync(resources?: string[]): Promise<void> {
    const list = resources ? resources.map((r) => this.get(r)) : [...this.informers.values()];
    await Promise.all(list.map((i) => i.waitForSync()));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
