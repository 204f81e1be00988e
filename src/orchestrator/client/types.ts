import type { PatchType } from '../api/patch/index.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/types.js';

/** Options of a list or watch, as the REST query string carries them. */
export interface ListOptions {
  /** Omit for all namespaces (or for cluster-scoped resources). */
  namespace?: string;
  /** Kubernetes label selector syntax: `app=web,tier in (a,b),!canary`. */
  labelSelector?: string;
  /** `metadata.name=x,spec.nodeName=n,status.phase!=Running` */
  fieldSelector?: string;
  /** At most this many items; the list then carries `metadata.continue` while more follow. */
  limit?: number;
  /** The `metadata.continue` of the previous page: the next page, read at the first page's revision. */
  continue?: string;
  /**
   * Unset: every acknowledged write is seen. '0': whatever the server's cache holds. N: at least N
   * (exactly N with `resourceVersionMatch: 'Exact'`, or with a `limit` and no match).
   */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions extends ListOptions {
  /** Deliver changes after this revision. Omit (or '0') for a synthetic ADDED per current object first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
}

export type { PatchType } from '../api/patch/index.js';

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Only delete if the object still has this resourceVersion. */
  preconditions?: { resourceVersion?: string; uid?: string };
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Server-side apply only. */
  force?: boolean;
  /**
   * Create only: the caller gives the object away (it never reads or changes it again), so an
   * in-process server may keep it as stored, frozen, instead of copying it and parsing its own
   * answer back; the answer may be that frozen object. Over HTTP it changes nothing.
   */
  handOff?: boolean;
}

/** What a TokenRequest asks for (`authentication.k8s.io/v1` TokenRequestSpec). */
export interface TokenRequestSpec {
  /** Empty: the API server's own audience. */
  audiences?: string[];
  expirationSeconds?: number;
  /** The object the token is bound to (the kubelet binds a pod's tokens to the pod). */
  boundObjectRef?: { kind: 'Pod' | 'Secret'; apiVersion?: string; name: string; uid?: string };
}

/** A TokenRequest's answer: the token and when it expires (RFC 3339). */
export interface TokenRequestStatus {
  token: string;
  expirationTimestamp: string;
}

/** A live subscription; `dispose` ends it. `closed` settles when the stream ends for any reason. */
export interface Watch {
  dispose(): void;
  readonly closed: Promise<Error | undefined>;
}

/**
 * A typed Kubernetes client. Two implementations with the same behaviour: `LocalClient` calls the
 * API's registry in-process (controllers and the scheduler, inside the control plane), `HttpClient`
 * speaks REST over HTTPS (the agent on a host, tests, tools). Errors are always `ApiError`.
 *
 * `resource` is the plural name from `api/resources.ts` (`pods`, `deployments`, ...).
 */
export interface Client {
  get<T extends KubeObject = KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(resource: string, opts?: ListOptions): Promise<KubeList<T>>;
  create<T extends KubeObject = KubeObject>(resource: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT: compare-and-swap on `metadata.resourceVersion` when it is set. */
  update<T extends KubeObject = KubeObject>(resource: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT to `/status`: only `.status` changes. */
  updateStatus<T extends KubeObject = KubeObject>(resource: string, obj: T): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOptions & { subresource?: 'status' | 'scale' },
  ): Promise<T>;
  delete(resource: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined>;
  /** Issues a service account token (`POST serviceaccounts/NAME/token`, TokenRequest). */
  createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestStatus>;
  /** Binds a pending pod to a node (`pods/binding`); 409 Conflict when it is already bound. */
  bind(namespace: string, podName: string, nodeName: string): Promise<void>;
  /**
   * Streams changes. The handler gets events in revision order. A too-old `resourceVersion` yields an
   * ERROR event carrying a 410 Status, then the watch closes: relist and watch again.
   */
  watch<T extends KubeObject = KubeObject>(resource: string, opts: WatchOptions, handler: (event: WatchEvent<T>) => void): Watch;
  /**
   * The same client with its requests queued under another flow of API priority and fairness (a
   * controller's name), so one busy caller cannot delay the others. Optional: HttpClient's flow is
   * its credential's user. `level` is the priority level (default `workload-low`): the scheduler
   * takes `workload-high`, as kube-scheduler's FlowSchema does upstream, so bulk controller writes
   * never hold back bindings.
   */
  forFlow?(flow: string, level?: 'workload-high' | 'workload-low'): Client;
}
