import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError, errors } from '../api/errors.js';
import { resourcePath, resourceType } from '../api/resources.js';
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/types.js';
import type { Client, DeleteOptions, ListOptions, PatchType, TokenRequestSpec, TokenRequestStatus, Watch, WatchOptions, WriteOptions } from './types.js';

export interface HttpClientOptions {
  /** `https://host:port` */
  server: string;
  token: string;
  /** PEM of the cluster CA. */
  ca: string;
  /** Per-request timeout for non-watch calls (default 30 s). */
  timeoutMs?: number;
  /** Sent as User-Agent; the API server names a client's field manager after it (`skiff-agent/0.1.0` -> `skiff-agent`). */
  userAgent?: string;
}

const CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * The `Client` over HTTPS: what the agent on a host uses, through its SSH tunnel. Keeps connections
 * alive; every non-2xx answer becomes the `ApiError` the server's Status describes; a network
 * failure becomes a 503 ApiError so callers have one error type to handle.
 */
export class HttpClient implements Client {
  private readonly url: URL;
  private readonly agent: Agent;
  private readonly watchAgent: Agent;

  constructor(private readonly opts: HttpClientOptions) {
    this.url = new URL(opts.server);
    this.agent = new Agent({ keepAlive: true, ca: opts.ca, maxSockets: 16 });
    // A watch holds its connection for as long as it runs (the kubelet keeps one per referenced
    // ConfigMap and Secret): watches get their own pool, so they never starve requests.
    this.watchAgent = new Agent({ keepAlive: false, ca: opts.ca });
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private options(method: string, path: string, headers: Record<string, string> = {}): RequestOptions {
    return {
      method,
      host: this.url.hostname,
      port: this.url.port || 443,
      path,
      agent: this.agent,
      headers: { Authorization: `Bearer ${this.opts.token}`, Accept: 'application/json', 'User-Agent': this.opts.userAgent ?? 'skiff/0.1.0', ...headers },
    };
  }

  /** One JSON request/response. */
  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = data ? { 'Content-Type': contentType, 'Content-Length': String(data.length) } : {};
    return new Promise<T>((resolve, reject) => {
      const req = request(this.options(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const code = res.statusCode ?? 500;
          if (code >= 200 && code < 300) {
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch (e) {
              reject(errors.internal(`bad JSON from server: ${(e as Error).message}`));
            }
            return;
          }
          reject(toError(code, text));
        });
        res.on('error', (e) => reject(errors.unavailable(e.message)));
      });
      req.setTimeout(this.opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`request timed out: ${method} ${path}`)));
      req.on('error', (e) => reject(e instanceof ApiError ? e : errors.unavailable(`${method} ${path}: ${e.message}`)));
      req.end(data);
    });
  }

  private path(resource: string, namespace: string | undefined, name?: string, sub?: string, query?: Record<string, string | undefined>): string {
    const p = resourcePath(resourceType(resource), namespace, name, sub);
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, v);
    const s = q.toString();
    return s ? `${p}?${s}` : p;
  }

  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return this.call<T>('GET', this.path(resource, namespace, name));
  }

  list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.call('GET', this.path(resource, opts.namespace, undefined, undefined, {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit ? String(opts.limit) : undefined,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
    }));
  }

  create<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.call('POST', this.path(resource, obj.metadata?.namespace, undefined, undefined, writeQuery(opts)), obj);
  }

  update<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.call('PUT', this.path(resource, obj.metadata.namespace, obj.metadata.name, undefined, writeQuery(opts)), obj);
  }

  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.call('PUT', this.path(resource, obj.metadata.namespace, obj.metadata.name, 'status'), obj);
  }

  patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: 'status' | 'scale' } = {},
  ): Promise<T> {
    return this.call('PATCH', this.path(resource, namespace, name, opts.subresource, writeQuery(opts)), patch, CONTENT_TYPES[type]);
  }

  async delete(resource: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    return this.call('DELETE', this.path(resource, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  async createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestStatus> {
    const tr = await this.call<{ status: TokenRequestStatus }>('POST', this.path('serviceaccounts', namespace, serviceAccount, 'token'), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec,
    });
    return tr.status;
  }

  async bind(namespace: string, podName: string, nodeName: string): Promise<void> {
    await this.call('POST', this.path('pods', namespace, podName, 'binding'), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: podName, namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  /** Opens a streamed GET (for logs); the caller reads and destroys the response. */
  stream(path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(this.options('GET', path, { Accept: '*/*' }), (res) => {
        const code = res.statusCode ?? 500;
        if (code >= 200 && code < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(toError(code, Buffer.concat(chunks).toString())));
      });
      req.on('error', (e) => reject(errors.unavailable(e.message)));
      req.end();
    });
  }

  watch<T extends KubeObject>(resource: string, opts: WatchOptions, handler: (event: WatchEvent<T>) => void): Watch {
    const path = this.path(resource, opts.namespace, undefined, undefined, {
      watch: 'true',
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
    });
    let resolveClosed!: (e: Error | undefined) => void;
    const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      resolveClosed(e);
    };
    const req = request({ ...this.options('GET', path), agent: this.watchAgent }, (res) => {
      const code = res.statusCode ?? 500;
      if (code < 200 || code >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(toError(code, Buffer.concat(chunks).toString())));
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line || done) continue;
          try {
            handler(JSON.parse(line) as WatchEvent<T>);
          } catch (e) {
            req.destroy(e as Error);
          }
        }
      });
      res.on('end', () => finish(undefined));
      res.on('error', (e) => finish(errors.unavailable(e.message)));
      res.on('close', () => finish(undefined));
    });
    req.on('error', (e) => finish(errors.unavailable(e.message)));
    req.end();
    return {
      dispose() {
        if (done) return;
        req.destroy();
        finish(undefined);
      },
      closed,
    };
  }
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return {
    fieldManager: opts.fieldManager,
    dryRun: opts.dryRun ? 'All' : undefined,
    fieldValidation: opts.fieldValidation,
    force: opts.force ? 'true' : undefined,
  };
}

function toError(code: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as Status;
    if (s && s.kind === 'Status') return ApiError.fromStatus({ ...s, code: s.code ?? code });
  } catch {
    /* not a Status */
  }
  return new ApiError(code, code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 404 ? 'NotFound' : 'InternalError', text.slice(0, 500) || `HTTP ${code}`);
}
