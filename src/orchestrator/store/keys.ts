import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One AES-256-GCM key of the datastore's encryption at rest. */
export interface EncryptionKey {
  /** Written into every value it encrypts (`k8s:enc:aesgcm:v1:<name>:`); letters, digits, `-`, `_`, `.`. */
  name: string;
  /** 32 bytes. */
  secret: Buffer;
}

/**
 * Where the encryption keys live: a 0600 file (headless), or sealed by the OS keychain (the
 * desktop app's Electron `safeStorage`, src/main/keychainKeyProvider.ts).
 *
 * The list is ordered as kube-apiserver's EncryptionConfiguration orders its keys: the first one
 * encrypts every write, all of them decrypt. Rotation saves a list with a new first key, re-encrypts,
 * then saves the list without the old ones.
 */
export interface KeyProvider {
  /** Where the keys are, for messages: "file /home/u/.skiff/pki/encryption.json". */
  readonly description: string;
  /**
   * The keys, write key first. When nothing is stored yet: with `create`, creates and saves one
   * key; without, returns none (the datastore holds values encrypted under keys that are gone, and
   * a new key would only hide that). Throws an error saying where and why when stored keys exist
   * but cannot be read; never makes up a new key in their place.
   */
  load(opts: { create: boolean }): Promise<EncryptionKey[]>;
  /** Replaces the stored keys atomically: after a crash either the old or the new list is there. */
  save(keys: EncryptionKey[]): Promise<void>;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** A fresh random key, named after its creation time (so a lost key file shows in messages). */
export function newKey(nowMs: number): EncryptionKey {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return { name: `key-${stamp}-${randomBytes(2).toString('hex')}`, secret: randomBytes(32) };
}

/** The stored form: `{"kind": "SkiffEncryptionKeys", "keys": [{"name", "aesgcm": base64}]}`. */
export function serializeKeys(keys: EncryptionKey[]): string {
  return JSON.stringify({ kind: 'SkiffEncryptionKeys', apiVersion: 'v1', keys: keys.map((k) => ({ name: k.name, aesgcm: k.secret.toString('base64') })) }, null, 2) + '\n';
}

/** Parses and checks the stored form; `where` names the source in errors. */
export function parseKeys(text: string, where: string): EncryptionKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`the encryption keys in ${where} are not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const list = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${where} holds no encryption keys (expected {"keys": [{"name", "aesgcm"}]})`);
  const seen = new Set<string>();
  return list.map((k: unknown, i) => {
    const { name, aesgcm } = (typeof k === 'object' && k !== null ? k : {}) as { name?: unknown; aesgcm?: unknown };
    if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${where}: keys[${i}].name must be 1-64 letters, digits, '.', '_' or '-'`);
    if (seen.has(name)) throw new Error(`${where}: key "${name}" appears twice`);
    seen.add(name);
    const secret = typeof aesgcm === 'string' ? Buffer.from(aesgcm, 'base64') : Buffer.alloc(0);
    if (secret.length !== 32) throw new Error(`${where}: key "${name}" must be 32 bytes of base64 (AES-256), got ${secret.length}`);
    return { name, secret };
  });
}

/** Writes `data` to `path` with mode 0600: a temp file, fsync, rename, fsync of the directory. */
export function writePrivateFileAtomic(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const d = openSync(dirname(path), 'r');
    fsyncSync(d);
    closeSync(d);
  } catch {
    // Directories cannot be fsynced everywhere (Windows); the rename itself is atomic.
  }
}

/** The headless key store: a JSON file with mode 0600 (by default `$SKIFF_HOME/pki/encryption.json`). */
export class FileKeyProvider implements KeyProvider {
  readonly description: string;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.description = `file ${path}`;
  }

  async load(opts: { create: boolean }): Promise<EncryptionKey[]> {
    if (!existsSync(this.path)) {
      if (!opts.create) return [];
      const keys = [newKey(this.now())];
      await this.save(keys);
      return keys;
    }
    return parseKeys(readFileSync(this.path, 'utf8'), this.path);
  }

  async save(keys: EncryptionKey[]): Promise<void> {
    writePrivateFileAtomic(this.path, serializeKeys(keys));
  }
}
