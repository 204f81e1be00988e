import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../util/logger.js';
import type { EncryptionKey } from './keys.js';
import type { Disposable } from '../util/disposable.js';
import { StoreConflict, StoreNotFound, type Store, type StoreEntry, type StoreEvent } from './types.js';

/** The header of an encrypted value, followed by `<key name>:` and base64(nonce | ciphertext | tag). */
export const ENCRYPTED_PREFIX = 'k8s:enc:aesgcm:v1:';
const NONCE = 12;
const TAG = 16;

/** A stored value could not be decrypted: its key is not held, or the value or key is wrong. */
export class DecryptionError extends Error {
  constructor(
    readonly storeKey: string,
    readonly keyName: string,
    message: string,
  ) {
    super(message);
  }
}

/** The name of the key a stored value is encrypted with, or undefined for plain text. */
export function encryptionKeyOf(stored: string): string | undefined {
  if (!stored.startsWith(ENCRYPTED_PREFIX)) return undefined;
  const end = stored.indexOf(':', ENCRYPTED_PREFIX.length);
  return end < 0 ? '' : stored.slice(ENCRYPTED_PREFIX.length, end);
}

/**
 * AES-256-GCM as kube-apiserver's `aesgcm` provider: a random 96-bit nonce per value, the value's
 * store key as additional authenticated data (a ciphertext moved to another key does not decrypt).
 * Values are text in the store, so the binary part is base64.
 */
export class AesGcm {
  private byName = new Map<string, EncryptionKey>();
  private writeKey!: EncryptionKey;

  constructor(
    keys: EncryptionKey[],
    /** Where the keys come from, for errors ("file .../pki/encryption.json"). */
    private readonly where: string,
  ) {
    this.setKeys(keys);
  }

  setKeys(keys: EncryptionKey[]): void {
    const first = keys[0];
    if (!first) throw new Error(`no encryption key in ${this.where}`);
    this.writeKey = first;
    this.byName = new Map(keys.map((k) => [k.name, k]));
  }

  get writeKeyName(): string {
    return this.writeKey.name;
  }

  encrypt(storeKey: string, plaintext: string): string {
    const nonce = randomBytes(NONCE);
    const c = createCipheriv('aes-256-gcm', this.writeKey.secret, nonce);
    c.setAAD(Buffer.from(storeKey));
    const body = Buffer.concat([nonce, c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
    return `${ENCRYPTED_PREFIX}${this.writeKey.name}:${body.toString('base64')}`;
  }

  /** Plain text passes through (written before encryption was on, or under a prefix not encrypted). */
  decrypt(storeKey: string, stored: string): string {
    const name = encryptionKeyOf(stored);
    if (name === undefined) return stored;
    const key = this.byName.get(name);
    if (!key) {
      throw new DecryptionError(storeKey, name, `cannot decrypt ${storeKey}: it is encrypted with key "${name}", which ${this.where} does not hold (held: ${[...this.byName.keys()].join(', ')})`);
    }
    const body = Buffer.from(stored.slice(ENCRYPTED_PREFIX.length + name.length + 1), 'base64');
    try {
      if (body.length < NONCE + TAG) throw new Error('too short');
      const d = createDecipheriv('aes-256-gcm', key.secret, body.subarray(0, NONCE));
      d.setAAD(Buffer.from(storeKey));
      d.setAuthTag(body.subarray(body.length - TAG));
      return Buffer.concat([d.update(body.subarray(NONCE, body.length - TAG)), d.final()]).toString('utf8');
    } catch {
      throw new DecryptionError(storeKey, name, `cannot decrypt ${storeKey} with key "${name}" from ${this.where}: authentication failed (a different key under the same name, or damaged data)`);
    }
  }
}

export interface EncryptedStoreOptions {
  keys: EncryptionKey[];
  /** Keys under these prefixes are written encrypted (`/registry/secrets/`). */
  prefixes: string[];
  /** Where the keys come from, for errors. */
  where: string;
  log?: Logger;
}

/**
 * Encryption at rest as a Store decorator, the place kube-apiserver's EncryptionConfiguration has
 * it (the storage transformer): values under the configured prefixes are encrypted on the way in
 * and every encrypted value is decrypted on the way out, so the registry, watches and lists see
 * plain text and never know. A value that cannot be decrypted is an error naming the key, never
 * passed on as it is.
 */
export class EncryptedStore implements Store {
  private readonly aes: AesGcm;
  private readonly prefixes: string[];
  private readonly log: Logger;

  constructor(
    private readonly inner: Store,
    opts: EncryptedStoreOptions,
  ) {
    this.aes = new AesGcm(opts.keys, opts.where);
    this.prefixes = opts.prefixes;
    this.log = opts.log ?? silentLogger;
  }

  /** Replaces the keys; the first becomes the write key at once. */
  setKeys(keys: EncryptionKey[]): void {
    this.aes.setKeys(keys);
  }

  get writeKeyName(): string {
    return this.aes.writeKeyName;
  }

  /** Decrypts a stored value (plain text passes through); throws `DecryptionError` naming the key. */
  decrypt(storeKey: string, stored: string): string {
    return this.aes.decrypt(storeKey, stored);
  }

  encrypted(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  private in(key: string, value: string): string {
    return this.encrypted(key) ? this.aes.encrypt(key, value) : value;
  }

  private out(e: StoreEntry): StoreEntry {
    return e.value.startsWith(ENCRYPTED_PREFIX) ? { ...e, value: this.aes.decrypt(e.key, e.value) } : e;
  }

  currentRevision(): number {
    return this.inner.currentRevision();
  }
  compactedRevision(): number {
    return this.inner.compactedRevision();
  }
  async get(key: string): Promise<StoreEntry | undefined> {
    const e = await this.inner.get(key);
    return e && this.out(e);
  }
  async list(prefix: string): Promise<{ items: StoreEntry[]; revision: number }> {
    const r = await this.inner.list(prefix);
    return { items: r.items.map((e) => this.out(e)), revision: r.revision };
  }
  async listChunk(prefix: string, opts: { start?: string; limit: number; revision?: number }): Promise<{ items: StoreEntry[]; revision: number; more: boolean }> {
    const r = await this.inner.listChunk(prefix, opts);
    return { ...r, items: r.items.map((e) => this.out(e)) };
  }
  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }
  async create(key: string, value: string): Promise<StoreEntry> {
    return { ...(await this.inner.create(key, this.in(key, value))), value };
  }
  async update(key: string, value: string, expectedRevision?: number): Promise<StoreEntry> {
    return { ...(await this.inner.update(key, this.in(key, value), expectedRevision)), value };
  }
  async delete(key: string, expectedRevision?: number): Promise<StoreEntry> {
    return this.out(await this.inner.delete(key, expectedRevision));
  }
  watch(prefix: string, fromRevision: number, handler: (event: StoreEvent) => void): Disposable {
    return this.inner.watch(prefix, fromRevision, (ev) => {
      let out: StoreEvent;
      try {
        out = { ...ev, entry: this.out(ev.entry), prev: ev.prev && this.out(ev.prev) };
      } catch (e) {
        // A handler must not throw; the event cannot be delivered as plain text, nor as ciphertext.
        this.log.error('watch event dropped: its value cannot be decrypted', { key: ev.entry.key, revision: ev.entry.modRevision, error: e instanceof Error ? e.message : String(e) });
        return;
      }
      handler(out);
    });
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  health(): string | undefined {
    return this.inner.health();
  }
  close(): void {
    this.inner.close();
  }

  /**
   * Rewrites every value under the encrypted prefixes that is plain text or under another key than
   * the write key, each with compare-and-swap: a concurrent write (which already uses the write key)
   * wins and the value is looked at again. Throws `DecryptionError` for a value under a key not held.
   */
  async reencrypt(): Promise<{ rewritten: number; plaintext: number }> {
    let rewritten = 0;
    let plaintext = 0;
    for (const prefix of this.prefixes) {
      const { items } = await this.inner.list(prefix);
      for (const item of items) {
        let e: StoreEntry | undefined = item;
        while (e && encryptionKeyOf(e.value) !== this.aes.writeKeyName) {
          const wasPlain = encryptionKeyOf(e.value) === undefined;
          try {
            await this.inner.update(e.key, this.aes.encrypt(e.key, this.aes.decrypt(e.key, e.value)), e.modRevision);
            rewritten++;
            if (wasPlain) plaintext++;
            break;
          } catch (err) {
            if (!(err instanceof StoreConflict || err instanceof StoreNotFound)) throw err;
            e = await this.inner.get(e.key);
          }
        }
      }
    }
    return { rewritten, plaintext };
  }
}
