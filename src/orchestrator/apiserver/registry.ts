import { randomUUID } from 'node:crypto';
import { applyDefaults, applyUpdateDefaults } from '../api/defaults.js';
import { ApiError, errors, isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import { toView, type VersionView } from '../api/conversion.js';
import { applyPatch } from '../api/patch/index.js';
import { deepEqual } from '../api/podutil.js';
import { apiVersionOf, resourceType, type ResourceType } from '../api/resources.js';
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/types.js';
import { decodeBody, validate, validateUpdate } from '../api/validation.js';
import type { DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from '../client/types.js';
import { StoreConflict, StoreKeyExists, StoreNotFound, type Store, type StoreEntry } from '../store/types.js';
import { isoTime, type Clock } from '../util/clock.js';
import type { Disposable } from '../util/disposable.js';
import { createServiceAccountToken } from './serviceAccountTokens.js';
import { sentManagedFields, serverSideApplySteps, updateManagedFields, type ManagerRef } from './managedFields.js';
import { WatchCaches, type WatchCacheOptions } from './cacher/index.js';
import { encodeObject, WriteHandoff, type Encoded } from './writeHandoff.js';
import { jsonOf, shareUnchanged } from './cacher/frozen.js';
import { listFromStore } from './storeList.js';
import { checkPatchedShape, dropEmptyMeta, GENERATE_NAME_ATTEMPTS, MAX_PATCH_RETRIES, mergedForWrite, patchPinsVersion, planDelete, randomSuffix, specChanged } from './writeRules.js';
import { cachedObjects, type ObjectReader } from './objects.js';
import { watchResource } from './registryWatch.js';
import { SYSTEM, type RequestContext } from './requestContext.js';
import { Strategies } from './strategies/index.js';
import { QuotaAdmission, type QuotaCharge } from './quota.js';
import { paceSteps, type Pace } from '../util/pacer.js';

const noPace: Pace = async () => {};

/** Kinds whose usage an update can grow, so the quota admission checks their updates too. */
const QUOTA_ON_UPDATE = new Set(['pods', 'services', 'persistentvolumeclaims']);

/** The field manager of in-process writers (controllers, scheduler) that name none. */
export const DEFAULT_FIELD_MANAGER = 'skiff-controller-manager';

/**
 * Write options inside the API server: the subresource a write came through (for managed-field
 * entries) and whether server-side apply already computed the managed fields.
 */
export type InternalWrite = WriteOptions & {
  /** A write through `/status` changes only `.status`; through `pods/NAME/ephemeralcontainers`, only `spec.ephemeralContainers`. */
  subresource?: 'status' | 'ephemeralcontainers';
  fieldsSubresource?: string;
  applied?: boolean;
  patch?: unknown;
  user?: RequestContext;
  /** Filled with the write's warnings (fields accepted but not acted on), for `Warning` headers. */
  warnings?: string[];
  /** A patch sent to an older served version: applied to the object as that version shows it. */
  view?: VersionView;
  /** Between the stages of a write, lets the event loop turn if the write has held it long (requests from clients; see util/pacer.ts). */
  pace?: Pace;
  /**
   * The input object belongs to this write (a request's freshly decoded body, held by nobody else):
   * it is changed in place instead of copied first, and the write answers with the object it wrote
   * (see `answer`). In-process callers keep their objects (copied) and get a fresh decoding back,
   * unless they hand them over (the client's `handOff`).
   */
  owned?: boolean;
};

/** Delete options inside the API server: the request's identity too (in-process callers are SYSTEM), and `dryRun`. */
export type InternalDelete = DeleteOptions & { user?: RequestContext; dryRun?: boolean };

/**
 * The resource logic behind every API verb, shared by the REST server and the in-process client:
 * defaults, validation, generation, status/spec separation, compare-and-swap, graceful and
 * finalizer-aware deletion, and watch translation. Nothing here knows about HTTP.
 */
export class Registry {
  /** What is special about each kind (strategies/, one file per kind). */
  readonly strategies: Strategies;
  private readonly quota: QuotaAdmission;
  /**
   * The oldest revision a watch may resume from: the store's revision when this registry started,
   * as kube-apiserver's watch cache starts empty at its startup revision. A client that watched
   * before a restart gets 410 Expired and relists, so it never misses what changed while it was away.
   */
  readonly watchFloor: number;
  /** Lists and watches are served from memory (cacher/), kept current from one store watch per kind. */
  readonly caches: WatchCaches;
  /** The objects as the API server's own readers (authorizers, admission) read and follow them: decoded once, from the watch cache. */
  readonly objects: ObjectReader;
  /** Written objects on their way to the watch cache (writeHandoff.ts). */
  private readonly handoff = new WriteHandoff();

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    opts: { watchCache?: WatchCacheOptions } = {},
  ) {
    this.watchFloor = store.currentRevision();
    // The cache takes a request's written object when it can (writeHandoff.ts), else parses.
    // A new version shares with the one it replaces whatever the write left as it was (frozen.ts shareUnchanged).
    this.caches = new WatchCaches(store, clock, (e, prev) => this.handoff.take(e, prev) ?? shared(this.decode(e), prev), opts.watchCache);
    this.objects = cachedObjects(this.caches, store);
    this.strategies = new Strategies({ store, objects: this.objects, clock });
    this.quota = new QuotaAdmission(this.objects, (q) => this.update('resourcequotas', q.metadata.namespace, q.metadata.name ?? '', q, { subresource: 'status' }), clock);
  }

  dispose(): void {
    this.caches.dispose();
  }

  private managerRef(opts: InternalWrite): ManagerRef {
    return { manager: opts.fieldManager || DEFAULT_FIELD_MANAGER, subresource: opts.fieldsSubresource ?? opts.subresource, now: isoTime(this.clock.now()) };
  }

  key(r: ResourceType, namespace: string | undefined, name: string): string {
    return r.namespaced ? `/registry/${r.resource}/${namespace}/${name}` : `/registry/${r.resource}/${name}`;
  }

  private prefix(r: ResourceType, namespace?: string): string {
    return r.namespaced && namespace ? `/registry/${r.resource}/${namespace}/` : `/registry/${r.resource}/`;
  }

  /** Decodes a stored entry, stamping `resourceVersion` from the store's revision. */
  decode<T extends KubeObject>(entry: StoreEntry): T {
    const obj = JSON.parse(entry.value) as T;
    obj.metadata.resourceVersion = String(entry.modRevision);
    return obj;
  }

  /**
   * The stored text each object `get` answered was decoded from: a write of that object compares its
   * new encoding with this text (is it what is stored already?) instead of encoding the old object
   * again. Weak: it lives only as long as the object a caller holds.
   */
  private readonly storedText = new WeakMap<KubeObject, string>();
  /** The JSON (resourceVersion included) each object `current` answered was parsed from, for the same comparison. */
  private readonly cachedJson = new WeakMap<KubeObject, string>();

  private encode(obj: KubeObject): string {
    return encodeObject(obj).text;
  }

  /**
   * What a write answers. For a request (`owned`), the object it just encoded into `entry`, stamped
   * with the new resourceVersion: it serializes to the stored text, so parsing that text back (a
   * JSON.parse of the whole object on every write) is not needed. An in-process caller gets a fresh
   * decoding, free of anything JSON would drop.
   */
  private answer<T extends KubeObject>(written: T, entry: StoreEntry, owned: boolean | undefined): T {
    if (!owned) return this.decode<T>(entry);
    // Already stamped (and frozen) when the watch cache took it (writeHandoff.ts).
    const rv = String(entry.modRevision);
    if (written.metadata.resourceVersion === rv) return written;
    written.metadata.resourceVersion = rv;
    return written;
  }

  /** TokenRequest for a service account (`serviceaccounts/NAME/token`); the in-process client's way in. */
  createToken(namespace: string, serviceAccount: string, body: unknown): Promise<{ status: { token: string; expirationTimestamp: string } }> {
    return createServiceAccountToken(this, this.clock, namespace, serviceAccount, body);
  }

  async get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    const r = resourceType(resource);
    const entry = await this.store.get(this.key(r, namespace, name));
    if (!entry) throw errors.notFound(r, name);
    const obj = this.decode<T>(entry);
    this.storedText.set(obj, entry.value);
    return obj;
  }

  /**
   * The stored object an update, patch or apply starts from: the caller's own copy, to change as it
   * likes. For a kind the watch cache serves, parsed from the cached object's JSON (remembered when it
   * was written, so no datastore read and no serialization): the cache holds every acknowledged write,
   * as the store's reader does, as kube-apiserver's GuaranteedUpdate starts from the cached object.
   */
  private async current<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    if (!this.caches.serves(r)) return this.get<T>(r.resource, namespace, name);
    const cached = await this.caches.get(r, this.key(r, namespace, name));
    if (!cached) throw errors.notFound(r, name);
    const json = jsonOf(cached);
    const obj = JSON.parse(json) as T;
    this.cachedJson.set(obj, json);
    return obj;
  }

  /**
   * Whether `next` (encoded) is what `current` was read from: a write that would change nothing, as
   * kube-apiserver finds when the new bytes equal the stored ones. Go writes an object's fields in
   * one order; here an object keeps its writer's key order, so text of the same length that differs
   * is compared by content (the same fields in another order change nothing either).
   */
  private unchanged(current: KubeObject, next: KubeObject, encoded: Encoded): boolean {
    const json = this.cachedJson.get(current);
    const [was, now] = json !== undefined ? [json, encoded.jsonAt(current.metadata.resourceVersion as string)] : [this.storedText.get(current) ?? this.encode(current), encoded.text];
    if (was === now) return true;
    if (was.length !== now.length) return false;
    const versionless = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    return deepEqual(versionless(current), versionless(next));
  }

  /**
   * LIST, from the watch cache (objects are frozen and shared) or, for kinds it does not cache, from
   * the store (storeList.ts); both page with `limit`/`continue` and serve every `resourceVersion`
   * semantics.
   */
  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const r = resourceType(resource);
    const prefix = this.prefix(r, opts.namespace);
    if (this.caches.serves(r)) return this.caches.list<T>(r, prefix, opts);
    return listFromStore<T>(this.store, r, prefix, opts, (e) => this.decode<T>(e));
  }

  async create<T extends KubeObject>(resource: string, namespace: string | undefined, input: T, opts: InternalWrite = {}): Promise<T> {
    const r = resourceType(resource);
    const pace = opts.pace ?? noPace;
    // A copy of a 40,000-key ConfigMap is 60-90 ms of event loop: a request's own body needs none.
    const obj = (opts.owned ? input : structuredClone(input)) as T;
    await pace();
    obj.apiVersion = obj.apiVersion ?? apiVersionOf(r);
    obj.kind = obj.kind ?? r.kind;
    obj.metadata = obj.metadata ?? {};
    if (r.namespaced) {
      const ns = namespace ?? obj.metadata.namespace ?? 'default';
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns;
      await this.checkNamespace(ns, r);
    } else {
      delete obj.metadata.namespace;
    }
    const generated = !obj.metadata.name && !!obj.metadata.generateName;
    if (generated) obj.metadata.name = obj.metadata.generateName + randomSuffix();
    this.checkKind(r, obj);
    this.decode_(r, obj, opts);
    await pace();
    const strategy = this.strategies.for(r);
    // A kind with a status subresource starts with the status its defaults give (kube-apiserver's
    // PrepareForCreate resets it, and decoding defaults it): what a manifest copied from another
    // cluster carries is not stored. A Node keeps what its kubelet registers.
    if (r.hasStatus && !strategy.keepsStatusOnCreate) delete obj.status;
    // The uid first: some defaults derive from it (a Job's selector).
    obj.metadata.uid = randomUUID();
    dropEmptyMeta(obj);
    applyDefaults(r, obj);
    // The writer owns what it sent, defaults included, as kube-apiserver's field manager records it:
    // before the strategy and admission add theirs (a pod's service account volume and priority, a
    // Service's cluster IP) and without the status, which the main resource resets (above).
    if (!opts.applied) {
      const { status: _reset, ...owned } = obj;
      await this.recordManagedFields(r, obj, r.hasStatus ? (owned as unknown as KubeObject) : obj, undefined, this.managerRef(opts), pace);
    }
    const user = opts.user ?? SYSTEM;
    await strategy.prepareForCreate?.(obj, user);
    await pace();
    const causes = validate(r, obj, { strict: opts.fieldValidation === 'Strict' });
    if (causes.length) throw errors.invalid(r, obj.metadata.name ?? '', causes);
    await pace();
    await strategy.admit?.(obj, undefined, user);
    const charge = await this.quota.admit(r, obj, undefined, !!opts.dryRun);
    if (opts.warnings && strategy.warnings) opts.warnings.push(...(await strategy.warnings(obj, undefined)));
    obj.metadata.creationTimestamp = isoTime(this.clock.now());
    if (r.hasStatus || 'spec' in obj) obj.metadata.generation = 1;
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    if (opts.dryRun) return obj;
    return refundOnFailure(charge, async () => {
      // A generated name that is taken gets another, as kube-apiserver retries (RetryGenerateName):
      // 5 random characters collide about 14 times among 20,000 pods of one ReplicaSet.
      for (let attempt = 1; ; attempt++) {
        try {
          const encoded = encodeObject(obj);
          await pace();
          const key = this.key(r, obj.metadata.namespace, obj.metadata.name as string);
          const entry = opts.owned ? await this.handoff.around(key, encoded, obj, () => this.store.create(key, encoded.text)) : await this.store.create(key, encoded.text);
          return this.answer(obj, entry, opts.owned);
        } catch (e) {
          if (!(e instanceof StoreKeyExists)) throw e;
          if (generated && attempt < GENERATE_NAME_ATTEMPTS) {
            obj.metadata.name = obj.metadata.generateName + randomSuffix();
            continue;
          }
          throw errors.alreadyExists(r, obj.metadata.name as string);
        }
      }
    });
  }

  /**
   * A create in a namespace that is missing or terminating is refused (kube-apiserver's
   * NamespaceLifecycle admission). Read from the namespaces' watch cache, which holds every
   * acknowledged write, as the admission plugin reads its informer: no store read and no JSON parse
   * on every create.
   */
  private async checkNamespace(ns: string, r: ResourceType): Promise<void> {
    const key = `/registry/namespaces/${ns}`;
    const namespaces = resourceType('namespaces');
    let nsObj: KubeObject | undefined;
    if (this.caches.serves(namespaces)) nsObj = await this.caches.get(namespaces, key);
    else {
      const entry = await this.store.get(key);
      nsObj = entry && (JSON.parse(entry.value) as KubeObject);
    }
    if (!nsObj) throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    if (nsObj.metadata.deletionTimestamp && !this.strategies.for(r).createInTerminatingNamespace) {
      throw new ApiError(403, 'Forbidden', `${r.resource} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  /**
   * What the real server's decoder does before anything else: a wrong type is a 400, an unknown
   * field is a 400 under Strict (422 on a patch) and is dropped otherwise, so a field stored by a
   * lenient writer can never break a later strict apply.
   */
  private decode_(r: ResourceType, obj: KubeObject, opts: InternalWrite): void {
    const strict = opts.fieldValidation === 'Strict';
    // A status write takes only `status` from the request (mergedForWrite): the rest was decoded when stored.
    const err = decodeBody(r, obj, { strict, patch: opts.patch, part: opts.subresource === 'status' ? 'status' : undefined });
    if (err) throw err;
  }

  private checkKind(r: ResourceType, obj: KubeObject): void {
    if (obj.kind !== r.kind || obj.apiVersion !== apiVersionOf(r)) {
      throw errors.badRequest(`the object provided is unrecognized (must be of type ${r.kind}): ${obj.apiVersion}, Kind=${obj.kind}`);
    }
  }

  /**
   * PUT. With `metadata.resourceVersion` set, a stale version is a 409; without it, last write wins:
   * a write that loses a race to another is applied again to the newer object, as kube-apiserver's
   * GuaranteedUpdate retries an unconditional update (it never answers one with a 409).
   * `.status` is kept from the stored object (use `updateStatus` to change it).
   */
  async update<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, input: T, opts: InternalWrite = {}): Promise<T> {
    const r = resourceType(resource);
    if (input.metadata?.name && input.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    const expected = input.metadata?.resourceVersion;
    // A write changes its input: one that may be retried keeps the original for the next round.
    const original = expected || !opts.owned ? undefined : structuredClone(input);
    for (let attempt = 0; ; attempt++) {
      const current = await this.current<T>(r, namespace, name);
      if (expected && expected !== current.metadata.resourceVersion) throw errors.conflict(r, name);
      const fresh = attempt === 0 && opts.owned ? input : structuredClone(original ?? input);
      try {
        return await this.write(r, current, mergedForWrite(r, current, fresh, opts.subresource), opts);
      } catch (e) {
        if (isConflict(e) && !expected && attempt < MAX_PATCH_RETRIES) continue;
        throw e;
      }
    }
  }

  /**
   * Sets `obj`'s managed fields for a write of `written` (the object, or the part of it the writer
   * owns) over `current` (none for a create). Managed fields the client sent that differ from the
   * stored ones replace them first (a reset, or kubectl's client-side to server-side upgrade).
   */
  private async recordManagedFields(r: ResourceType, obj: KubeObject, written: KubeObject, current: KubeObject | undefined, ref: ManagerRef, pace: Pace): Promise<void> {
    const sent = sentManagedFields(obj.metadata.managedFields, current?.metadata.managedFields);
    let base = current;
    if (sent !== 'unchanged') {
      // A create that sends managed fields starts from them; one that clears them (`[{}]`) from none.
      const from = current ?? (sent && written);
      base = from && { ...from, metadata: { ...from.metadata, managedFields: sent } };
    }
    const fields = await updateManagedFields(r, base, written, ref, pace);
    if (fields) obj.metadata.managedFields = fields;
    else delete obj.metadata.managedFields;
    await pace();
  }

  /** Validates and stores `next` over `current` (CAS on current's version); bumps generation on spec change. */
  private async write<T extends KubeObject>(r: ResourceType, current: T, next: T, opts: InternalWrite): Promise<T> {
    const pace = opts.pace ?? noPace;
    this.checkKind(r, next);
    this.decode_(r, next, opts);
    await pace();
    applyUpdateDefaults(r, next, current);
    dropEmptyMeta(next);
    applyDefaults(r, next);
    // Before the strategy and admission change anything, as kube-apiserver's field manager (see create).
    if (!opts.applied) {
      // Through status only the status changed (mergedForWrite): managed fields compare that alone.
      const ref: ManagerRef = opts.subresource === 'status' ? { ...this.managerRef(opts), only: 'status' } : this.managerRef(opts);
      await this.recordManagedFields(r, next, next, current, ref, pace);
    }
    const strategy = this.strategies.for(r);
    const user = opts.user ?? SYSTEM;
    await strategy.prepareForUpdate?.(next, current, user);
    await pace();
    const causes = [
      ...validate(r, next, { strict: opts.fieldValidation === 'Strict', part: opts.subresource === 'status' ? 'status' : undefined }),
      ...validateUpdate(r, next, current, opts.subresource),
    ];
    if (causes.length) throw errors.invalid(r, current.metadata.name ?? '', causes);
    await pace();
    await strategy.admit?.(next, current, user);
    // What a pod, Service or claim uses may grow on update (a resize, a new node port).
    const charge = opts.subresource !== 'status' && QUOTA_ON_UPDATE.has(r.resource) ? await this.quota.admit(r, next, current, !!opts.dryRun) : undefined;
    if (opts.warnings && strategy.warnings && opts.subresource !== 'status') opts.warnings.push(...(await strategy.warnings(next, current)));
    // Through `status` nothing else changes (mergedForWrite): no spec to compare.
    if (opts.subresource !== 'status' && specChanged(current, next)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (opts.dryRun) return next;
    const key = this.key(r, current.metadata.namespace, current.metadata.name as string);
    const expected = Number(current.metadata.resourceVersion);
    // A terminating object whose last finalizer was just removed is deleted now, unless it still
    // has a grace period to run (a pod whose agent is stopping its containers).
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && !(next.metadata.deletionGracePeriodSeconds ?? 0)) {
      return this.remove<T>(r, key, expected, current.metadata.name as string);
    }
    const encoded = encodeObject(next);
    if (this.unchanged(current, next, encoded)) return current;
    await pace();
    return refundOnFailure(charge, async () => {
      try {
        const entry = opts.owned ? await this.handoff.around(key, encoded, next, () => this.store.update(key, encoded.text, expected)) : await this.store.update(key, encoded.text, expected);
        return this.answer(next, entry, opts.owned);
      } catch (e) {
        if (e instanceof StoreConflict) throw errors.conflict(r, current.metadata.name as string);
        if (e instanceof StoreNotFound) throw errors.notFound(r, current.metadata.name as string);
        throw e;
      }
    });
  }

  private async remove<T extends KubeObject>(r: ResourceType, key: string, expected: number | undefined, name: string): Promise<T> {
    try {
      return this.decode<T>(await this.store.delete(key, expected));
    } catch (e) {
      if (e instanceof StoreConflict) throw errors.conflict(r, name);
      if (e instanceof StoreNotFound) throw errors.notFound(r, name);
      throw e;
    }
  }

  async updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.update(resource, obj.metadata.namespace, obj.metadata.name as string, obj, { subresource: 'status' });
  }

  /** PATCH in any of the four types; retried on an internal conflict, as the API server does. */
  async patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: InternalWrite = {},
  ): Promise<T> {
    const r = resourceType(resource);
    if (type === 'apply') return this.apply<T>(resource, namespace, name, patch, opts);
    for (let attempt = 0; ; attempt++) {
      const current = await this.current<T>(r, namespace, name);
      const view = opts.view;
      let patched: T;
      if (view) {
        // The patch applies to the object as the client's version shows it (autoscaling/v1, say).
        const seen = applyPatch(type, view.r, toView(view, current), patch);
        checkPatchedShape(view.r, seen);
        patched = view.converter.fromVersion(seen as never) as T;
      } else {
        patched = applyPatch(type, r, current, patch) as T;
        checkPatchedShape(r, patched);
      }
      await (opts.pace ?? noPace)();
      const pinned = patched.metadata?.resourceVersion;
      if (pinned && pinned !== current.metadata.resourceVersion) throw errors.conflict(r, name);
      const next = mergedForWrite(r, current, patched, opts.subresource);
      if (opts.subresource !== 'status' && !r.hasStatus && 'status' in patched) (next as KubeObject).status = patched.status;
      try {
        return await this.write(r, current, next, { ...opts, patch });
      } catch (e) {
        // Only a patch that names a resourceVersion is a compare-and-swap; any other is re-applied
        // to the newer object, as kube-apiserver's GuaranteedUpdate does (it never gives up). Each
        // round one racing writer wins, and a read sees only durable state, so a loser may read the
        // old version once more while the winner's batch reaches the disk: a generous bound, not 5.
        if (isConflict(e) && !patchPinsVersion(type, patch) && attempt < MAX_PATCH_RETRIES) continue;
        throw e;
      }
    }
  }

  /**
   * Server-side apply (`application/apply-patch+yaml`): creates the object when absent, else merges
   * the applied configuration with field ownership (see managedFields.ts); 409 on conflicts with
   * other managers unless `force`. Retried on an internal conflict like every patch.
   */
  async apply<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, body: unknown, opts: InternalWrite = {}): Promise<T> {
    return (await this.applyOrCreate<T>(resource, namespace, name, body, opts)).object;
  }

  /** {@link apply}, saying whether the object was created (201) or updated (200). */
  async applyOrCreate<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, body: unknown, opts: InternalWrite = {}): Promise<{ object: T; created: boolean }> {
    const r = resourceType(resource);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the applied configuration must be an object');
    const config = structuredClone(body) as KubeObject;
    if (!opts.fieldManager) throw errors.badRequest('PATCH, application/apply-patch+yaml requests must have a fieldManager');
    if (config.apiVersion !== apiVersionOf(r) || config.kind !== r.kind) this.checkKind(r, config);
    config.metadata = config.metadata ?? {};
    if (config.metadata.name !== undefined && config.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
    }
    config.metadata.name = name;
    if (r.namespaced && namespace) {
      if (config.metadata.namespace && config.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      config.metadata.namespace = namespace;
    }
    this.decode_(r, config, { ...opts, patch: body });
    for (let attempt = 0; ; attempt++) {
      let current: T | undefined;
      try {
        current = await this.current<T>(r, namespace, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const ref = { ...this.managerRef(opts), force: !!opts.force };
      const pace = opts.pace ?? noPace;
      const next = (await paceSteps(serverSideApplySteps(r, current, config, ref), pace)) as T;
      await pace();
      try {
        if (!current) return { object: await this.create<T>(resource, namespace, next, { ...opts, applied: true }), created: true };
        const pinned = config.metadata.resourceVersion;
        if (pinned && pinned !== current.metadata.resourceVersion) throw errors.conflict(r, name);
        const object = await this.write(r, current, mergedForWrite(r, current, next, opts.subresource), { ...opts, applied: true, patch: body });
        return { object, created: false };
      } catch (e) {
        if ((isConflict(e) || isAlreadyExists(e)) && !(e instanceof ApiError && e.details?.causes?.length) && !config.metadata.resourceVersion && attempt < MAX_PATCH_RETRIES) continue;
        throw e;
      }
    }
  }

  /**
   * DELETE. Objects with finalizers (or a Foreground propagation, which adds `foregroundDeletion`)
   * are marked with `deletionTimestamp` and removed when their last finalizer goes. The kind's
   * strategy may add finalizers and a grace period (a namespace, a pod on a node: its agent stops the
   * containers, then deletes it with grace 0). Everything else is removed at once; owned objects are
   * collected by the garbage collector controller.
   */
  async delete(resource: string, namespace: string | undefined, name: string, opts: InternalDelete = {}): Promise<KubeObject> {
    const r = resourceType(resource);
    for (let attempt = 0; ; attempt++) {
      const current = await this.get<KubeObject>(resource, namespace, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const finalizers = new Set(current.metadata.finalizers ?? []);
      if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
      const strategy = this.strategies.for(r);
      await strategy.admitDelete?.(current, opts.user ?? SYSTEM);
      const deletion = strategy.deletion?.(current, opts) ?? { gracePeriodSeconds: 0 };
      for (const f of deletion.finalizers ?? []) finalizers.add(f);
      const plan = planDelete(current, [...finalizers], deletion.gracePeriodSeconds, deletion.status, this.clock.now());
      if (opts.dryRun) return plan.kind === 'store' ? plan.next : current;
      if (plan.kind === 'keep') return current;
      const key = this.key(r, namespace, name);
      const expected = Number(current.metadata.resourceVersion);
      try {
        // The store's own errors reach the catch below as they are: a lost race is retried there.
        if (plan.kind === 'remove') return this.decode(await this.store.delete(key, expected));
        return this.decode(await this.store.update(key, this.encode(plan.next), expected));
      } catch (e) {
        // The object changed under us (a status write, say): read it again and check the
        // preconditions against what is there now, as GuaranteedUpdate does. Only a failed
        // precondition is the caller's conflict; a lost race never is.
        if (e instanceof StoreConflict && attempt < MAX_PATCH_RETRIES) continue;
        if (isConflict(e) && !pre && attempt < MAX_PATCH_RETRIES) continue;
        if (e instanceof StoreConflict) throw errors.conflict(r, name);
        if (e instanceof StoreNotFound) throw errors.notFound(r, name);
        throw e;
      }
    }
  }

  /**
   * kube-apiserver's GuaranteedUpdate for a trusted change a kind makes itself (a subresource such
   * as `pods/binding`, strategies/podBinding.ts): the object is read from the watch cache (no store
   * read, no parse), `mutate` builds the next version beside the frozen cached one (or throws an
   * ApiError to refuse), and the write is a compare-and-swap on the version read. A newer version in
   * the store loses the race and the retry reads the cache again, which has it by then (the cache
   * takes each write before its writer hears of it). No defaults, validation, admission or managed
   * fields: `mutate`'s change is the whole write.
   */
  async guaranteedUpdate<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, mutate: (current: T) => T): Promise<T> {
    const r = resourceType(resource);
    const key = this.key(r, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = (await this.objects.get(key)) as T | undefined;
      if (!current) throw errors.notFound(r, name);
      // Its own top level and metadata: the watch cache stamps the new version in it (writeHandoff.ts).
      const changed = mutate(current);
      const next = { ...changed, metadata: { ...changed.metadata } };
      const encoded = encodeObject(next);
      try {
        const entry = await this.handoff.around(key, encoded, next, () => this.store.update(key, encoded.text, Number(current.metadata.resourceVersion)));
        return this.answer(next, entry, true);
      } catch (e) {
        if (e instanceof StoreConflict && attempt < MAX_PATCH_RETRIES) continue;
        if (e instanceof StoreNotFound) throw errors.notFound(r, name);
        throw e;
      }
    }
  }

  /**
   * Streams changes as watch events, filtered by selectors: from the watch cache when the version
   * is within its history (cacher/; `bookmark` then queues a BOOKMARK behind what was sent), else
   * from the store's log (registryWatch.ts). A version older than {@link watchFloor} or than the
   * store's compaction is answered with one 410 Expired ERROR.
   */
  async watch(resource: string, opts: WatchOptions, handler: (e: WatchEvent) => void): Promise<Disposable & { error?: Status; bookmark?: (annotations?: Record<string, string>) => void }> {
    const r = resourceType(resource);
    const prefix = this.prefix(r, opts.namespace);
    if (this.caches.serves(r)) {
      const sub = await this.caches.watch(r, prefix, opts, handler);
      if (sub) return sub;
    }
    return watchResource({ store: this.store, decode: (e) => this.decode(e), floor: this.watchFloor }, prefix, opts, handler);
  }
}

/** Runs the store write of an admitted object; if it fails, what the quota admission charged for it is given back before the error goes on. */
async function refundOnFailure<T>(charge: QuotaCharge | undefined, store: () => Promise<T>): Promise<T> {
  try {
    return await store();
  } catch (e) {
    await charge?.refund().catch(() => {});
    throw e;
  }
}

/** `obj`, sharing `prev`'s unchanged parts. */
function shared<T>(obj: T, prev: KubeObject | undefined): T {
  shareUnchanged(obj, prev);
  return obj;
}
