import { ApiError } from '../api/errors.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/types.js';
import type { Registry } from '../apiserver/registry.js';
import type { Client, DeleteOptions, ListOptions, PatchType, TokenRequestSpec, TokenRequestStatus, Watch, WatchOptions, WriteOptions } from './types.js';

/**
 * The in-process client: the control plane's controllers and scheduler talk to the same registry
 * the REST server uses, with the same validation and errors, without HTTP in between.
 */
export class LocalClient implements Client {
  constructor(private readonly registry: Registry) {}

  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return this.registry.get<T>(resource, namespace, name);
  }
  list<T extends KubeObject>(resource: string, opts?: ListOptions): Promise<KubeList<T>> {
    return this.registry.list<T>(resource, opts);
  }
  create<T extends KubeObject>(resource: string, obj: T, opts?: WriteOptions): Promise<T> {
    return this.registry.create<T>(resource, obj.metadata?.namespace, obj, opts);
  }
  update<T extends KubeObject>(resource: string, obj: T, opts?: WriteOptions): Promise<T> {
    return this.registry.update<T>(resource, obj.metadata.namespace, obj.metadata.name as string, obj, opts);
  }
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.registry.updateStatus<T>(resource, obj);
  }
  patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOptions & { subresource?: 'status' | 'scale' },
  ): Promise<T> {
    if (opts?.subresource === 'scale') throw new ApiError(400, 'BadRequest', 'patch the scale subresource over HTTP; in-process callers patch spec.replicas');
    return this.registry.patch<T>(resource, namespace, name, type, patch, opts as WriteOptions & { subresource?: 'status' });
  }
  async createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestStatus> {
    return (await this.registry.createToken(namespace, serviceAccount, { spec })).status;
  }
  delete(resource: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined> {
    return this.registry.delete(resource, namespace, name, opts);
  }
  async bind(namespace: string, podName: string, nodeName: string): Promise<void> {
    await this.registry.bind(namespace, podName, nodeName);
  }
  watch<T extends KubeObject>(resource: string, opts: WatchOptions, handler: (event: WatchEvent<T>) => void): Watch {
    let disposed = false;
    let sub: { dispose(): void } | undefined;
    let resolveClosed!: (e: Error | undefined) => void;
    const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
    // Deliver asynchronously, in order, so a handler never runs inside the writer's call stack.
    const queue: WatchEvent<T>[] = [];
    let scheduled = false;
    const drain = () => {
      scheduled = false;
      for (const ev of queue.splice(0)) if (!disposed) handler(ev);
    };
    this.registry
      .watch(resource, opts, (ev) => {
        if (disposed) return;
        queue.push(ev as WatchEvent<T>);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(drain);
        }
      })
      .then((s) => {
        sub = s;
        if (s.error) {
          queueMicrotask(() => {
            disposed = true;
            resolveClosed(ApiError.fromStatus(s.error!));
          });
        }
        if (disposed) s.dispose();
      })
      .catch((e: unknown) => {
        disposed = true;
        resolveClosed(e instanceof Error ? e : new Error(String(e)));
      });
    return {
      dispose() {
        if (disposed && !sub) return;
        disposed = true;
        sub?.dispose();
        resolveClosed(undefined);
      },
      closed,
    };
  }
}
