import { ApiError } from '../api/errors.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/types.js';
import type { FlowControl } from '../apiserver/flowcontrol/FlowControl.js';
import type { Registry } from '../apiserver/registry.js';
import { bindPod } from '../apiserver/strategies/podBinding.js';
import type { Client, DeleteOptions, ListOptions, PatchType, TokenRequestSpec, TokenRequestStatus, Watch, WatchOptions, WriteOptions } from './types.js';

/** Watch events delivered per turn of the event loop; a burst beyond waits for the next turn. */
const EVENTS_PER_TURN = 500;

/**
 * The in-process client: the control plane's controllers and scheduler talk to the same registry
 * the REST server uses, with the same validation and errors, without HTTP in between. With a
 * FlowControl, every request but watches takes a seat at the `workload-low` priority level under
 * this client's flow (`forFlow`: one per controller), exactly as a client's request over HTTP
 * does: in-process work goes through the same fairness, never around it.
 */
export class LocalClient implements Client {
  constructor(
    private readonly registry: Registry,
    private readonly flowControl?: FlowControl,
    /** The flow this client's requests are queued under (fair queuing is fair between flows). */
    readonly flow = 'control-plane',
    private readonly level: 'workload-high' | 'workload-low' = 'workload-low',
  ) {}

  /** The same client under another flow (a controller's, the event recorder's), at `workload-low` unless told. */
  forFlow(flow: string, level: 'workload-high' | 'workload-low' = 'workload-low'): LocalClient {
    return new LocalClient(this.registry, this.flowControl, flow, level);
  }

  private admit<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.flowControl) return fn();
    return this.flowControl.run({ level: this.level, flow: this.flow, inProcess: true }, fn);
  }

  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return this.admit(() => this.registry.get<T>(resource, namespace, name));
  }
  list<T extends KubeObject>(resource: string, opts?: ListOptions): Promise<KubeList<T>> {
    return this.admit(() => this.registry.list<T>(resource, opts));
  }
  create<T extends KubeObject>(resource: string, obj: T, opts?: WriteOptions): Promise<T> {
    const { handOff, ...rest } = opts ?? {};
    return this.admit(() => this.registry.create<T>(resource, obj.metadata?.namespace, obj, handOff ? { ...rest, owned: true } : rest));
  }
  update<T extends KubeObject>(resource: string, obj: T, opts?: WriteOptions): Promise<T> {
    return this.admit(() => this.registry.update<T>(resource, obj.metadata.namespace, obj.metadata.name as string, obj, opts));
  }
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.admit(() => this.registry.updateStatus<T>(resource, obj));
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
    return this.admit(() => this.registry.patch<T>(resource, namespace, name, type, patch, opts as WriteOptions & { subresource?: 'status' }));
  }
  async createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestStatus> {
    return (await this.registry.createToken(namespace, serviceAccount, { spec })).status;
  }
  delete(resource: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined> {
    return this.admit(() => this.registry.delete(resource, namespace, name, opts));
  }
  async bind(namespace: string, podName: string, nodeName: string): Promise<void> {
    await this.admit(() => bindPod(this.registry, namespace, podName, nodeName));
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
      const batch = queue.splice(0, EVENTS_PER_TURN);
      for (const ev of batch) if (!disposed) handler(ev);
      if (queue.length > 0 && !disposed) setImmediate(drain);
      else scheduled = false;
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
