import { resourceForKind, resourcePath, type ResourceType } from '../../orchestrator/api/resources.js';
import type { KubeList, KubeObject } from '../../orchestrator/api/types.js';
import { sameContent } from './compare.js';
import { ApiRequestError, errorFromResponse } from './errors.js';
import { isKubeList, isKubeObject, isRecord } from './guards.js';

/** The field manager every UI write is recorded under (server-side apply ownership). */
export const FIELD_MANAGER = 'skiff-ui';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * What an apply did, in kubectl's words: `created`, `configured`, or `unchanged` when the object
 * already was as written (then nothing is written, as `kubectl apply` sends no patch).
 */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  outcome: ApplyOutcome;
  object: KubeObject;
}

/**
 * A typed REST client for the Kubernetes API as the UI server proxies it under `/k8s`. Same-origin
 * fetch carries the session cookie. Every non-2xx answer throws an `ApiRequestError` built from the
 * server's Status.
 */
export class KubeApi {
  constructor(
    private readonly fetchFn: FetchFn = (input, init) => fetch(input, init),
    private readonly prefix = '/k8s',
  ) {}

  url(path: string, query?: Record<string, string | number | boolean | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return `${this.prefix}${path}${s ? `?${s}` : ''}`;
  }

  /** Any request; resolves to the Response when it is 2xx, throws the Status error otherwise. */
  async send(method: string, path: string, init: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; contentType?: string; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: init.accept ?? 'application/json' };
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['Content-Type'] = init.contentType ?? 'application/json';
      body = JSON.stringify(init.body);
    }
    const res = await this.fetchFn(this.url(path, init.query), { method, headers, body, signal: init.signal, credentials: 'same-origin' });
    if (!res.ok) throw errorFromResponse(res.status, res.statusText, await res.text().catch(() => ''));
    return res;
  }

  /** Any request answered with JSON (discovery, OpenAPI, subresources); the body is `unknown` until checked. */
  async json(method: string, path: string, init: Parameters<KubeApi['send']>[2] = {}): Promise<unknown> {
    const res = await this.send(method, path, init);
    const text = await res.text();
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiRequestError(res.status, `invalid JSON from ${method} ${path}`);
    }
  }

  async list<T extends KubeObject>(r: ResourceType, signal?: AbortSignal): Promise<KubeList<T>> {
    const body = await this.json('GET', resourcePath(r), { signal });
    if (!isKubeList(body)) throw new ApiRequestError(500, `list ${r.resource}: not a list`);
    return { ...body, items: body.items.filter(isKubeObject) as T[] };
  }

  async get<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    const body = await this.json('GET', resourcePath(r, namespace, name));
    if (!isKubeObject(body)) throw new ApiRequestError(500, `get ${r.resource}/${name}: not an object`);
    return body as T;
  }

  /** Opens a watch from `resourceVersion`; the caller reads the newline-delimited event stream. */
  async openWatch(r: ResourceType, resourceVersion: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send('GET', resourcePath(r), {
      query: { watch: 'true', resourceVersion, allowWatchBookmarks: 'true' },
      signal,
    });
    if (!res.body) throw new ApiRequestError(500, `watch ${r.resource}: no body`);
    return res.body;
  }

  /**
   * Server-side apply of one manifest (create or update). Namespaced kinds without a namespace go to
   * `default`, as kubectl does. Throws for kinds the server does not serve.
   */
  async apply(obj: KubeObject): Promise<ApplyResult> {
    const { path } = this.applyTarget(obj);
    const res = await this.send('PATCH', path, { query: { fieldManager: FIELD_MANAGER, force: 'true' }, body: obj, contentType: 'application/apply-patch+yaml' });
    const body: unknown = await res.json().catch(() => undefined);
    return { outcome: res.status === 201 ? 'created' : 'configured', object: isKubeObject(body) ? body : obj };
  }

  /**
   * Apply as `kubectl apply` reports it: an object that exists is applied first as a server-side
   * dry run, and when that changes nothing, nothing is written and the outcome is `unchanged`.
   */
  async applyReporting(obj: KubeObject): Promise<ApplyResult> {
    const { path } = this.applyTarget(obj);
    const live = await this.json('GET', path).then(
      (b) => (isKubeObject(b) ? b : undefined),
      (e: unknown) => {
        if (e instanceof ApiRequestError && e.code === 404) return undefined;
        throw e;
      },
    );
    if (!live) return this.apply(obj);
    const dry = await this.json('PATCH', path, { query: { fieldManager: FIELD_MANAGER, force: 'true', dryRun: 'All' }, body: obj, contentType: 'application/apply-patch+yaml' });
    if (isKubeObject(dry) && sameContent(dry, live)) return { outcome: 'unchanged', object: live };
    const done = await this.apply(obj);
    return { ...done, outcome: 'configured' };
  }

  /** Where a manifest goes: namespaced kinds without a namespace go to `default`, as kubectl does. */
  private applyTarget(obj: KubeObject): { path: string } {
    const r = resourceForKind(String(obj.apiVersion), obj.kind);
    if (!r) throw new ApiRequestError(400, `kind "${obj.kind}" in apiVersion "${String(obj.apiVersion)}" is not served by this cluster`);
    const name = obj.metadata.name;
    if (!name) throw new ApiRequestError(422, `${obj.kind} has no metadata.name (server-side apply needs a name)`, 'Invalid', [{ field: 'metadata.name', message: 'Required value' }]);
    const namespace = r.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    return { path: resourcePath(r, namespace, name) };
  }

  async mergePatch<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<T> {
    const body = await this.json('PATCH', resourcePath(r, namespace, name), { body: patch, contentType: 'application/merge-patch+json' });
    if (!isKubeObject(body)) throw new ApiRequestError(500, `patch ${r.resource}/${name}: not an object`);
    return body as T;
  }

  async delete(r: ResourceType, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number; propagationPolicy?: string } = {}): Promise<void> {
    await this.send('DELETE', resourcePath(r, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...opts } });
  }

  /** `GET /version`: the server's build, shown in the top bar. */
  async version(): Promise<string | undefined> {
    const body = await this.json('GET', '/version');
    return isRecord(body) && typeof body.gitVersion === 'string' ? body.gitVersion : undefined;
  }
}
