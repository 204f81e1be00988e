import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { openDatastore, type Datastore } from './datastore.js';
import { DecryptionError, ENCRYPTED_PREFIX, EncryptedStore } from './encryption.js';
import { FileKeyProvider, newKey, serializeKeys } from './keys.js';
import { SqliteStore } from './SqliteStore.js';
import { tempDirs } from './testing.js';
import { StoreConflict, type Store, type StoreEvent } from './types.js';

const tmp = tempDirs();
const open: Datastore[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.close();
  tmp.cleanup();
});

async function start(home: string, extra: Partial<Parameters<typeof openDatastore>[0]> = {}): Promise<Datastore> {
  const d = await openDatastore({ home, clock: new FakeClock(), log: silentLogger, ...extra });
  open.push(d);
  return d;
}

function close(d: Datastore): void {
  open.splice(open.indexOf(d), 1);
  d.close();
}

/** Every byte SQLite keeps for this home: the database file and its WAL. */
function rawBytes(home: string): string {
  const f = join(home, 'state.db');
  return readFileSync(f).toString('latin1') + (existsSync(`${f}-wal`) ? readFileSync(`${f}-wal`).toString('latin1') : '');
}

function rawValues(home: string): string[] {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    return db.prepare("SELECT value FROM log WHERE key LIKE '/registry/secrets/%' AND value IS NOT NULL").pluck().all() as string[];
  } finally {
    db.close();
  }
}

const secret = (v: string) => JSON.stringify({ kind: 'Secret', metadata: { name: 's' }, data: { password: Buffer.from(v).toString('base64') }, note: v });

describe('encryption at rest', () => {
  it('stores Secrets as AES-GCM ciphertext and gives plain text to get, list and watch', async () => {
    const home = tmp.make();
    const d = await start(home);
    const seen: StoreEvent[] = [];
    d.store.watch('/registry/secrets/', 0, (e) => seen.push(e));
    await d.store.create('/registry/secrets/default/s', secret('hunter2-plain'));
    await d.store.update('/registry/secrets/default/s', secret('hunter3-plain'));
    await d.store.create('/registry/configmaps/default/c', '{"data":"visible-config"}');
    expect(JSON.parse((await d.store.get('/registry/secrets/default/s'))?.value ?? '').note).toBe('hunter3-plain');
    expect((await d.store.list('/registry/secrets/')).items[0]?.value).toContain('hunter3-plain');
    expect(seen.map((e) => JSON.parse(e.entry.value).note)).toEqual(['hunter2-plain', 'hunter3-plain']);
    expect(seen[1]?.prev?.value).toContain('hunter2-plain');
    const values = rawValues(home);
    expect(values.length).toBe(2);
    for (const v of values) expect(v.startsWith(`${ENCRYPTED_PREFIX}key-`)).toBe(true);
    const bytes = rawBytes(home);
    expect(bytes).not.toContain('hunter2');
    expect(bytes).not.toContain('hunter3');
    expect(bytes).not.toContain(Buffer.from('hunter3-plain').toString('base64'));
    // Other resources stay plain text (and so readable by a plain sqlite3).
    expect(bytes).toContain('visible-config');
    // The key file: 0600, in pki/.
    expect(statSync(join(home, 'pki', 'encryption.json')).mode & 0o777).toBe(0o600);
  });

  it('ties each ciphertext to its key: moved to another key it does not decrypt', async () => {
    const home = tmp.make();
    const d = await start(home);
    await d.store.create('/registry/secrets/default/a', secret('aaa'));
    const stolen = (await d.raw.get('/registry/secrets/default/a'))?.value ?? '';
    await d.raw.create('/registry/secrets/default/b', stolen);
    await expect(d.store.get('/registry/secrets/default/b')).rejects.toThrow(/cannot decrypt \/registry\/secrets\/default\/b with key "key-.*" from file .*: authentication failed/);
  });

  it('migrates plain-text Secrets of an existing state.db on start and purges their plain-text history', async () => {
    const home = tmp.make();
    const before = new SqliteStore(join(home, 'state.db'));
    await before.create('/registry/secrets/default/old', secret('legacy-password-1'));
    await before.update('/registry/secrets/default/old', secret('legacy-password-2'));
    await before.create('/registry/configmaps/default/c', '{"x":1}');
    before.close();
    expect(rawBytes(home)).toContain('legacy-password-2');
    const d = await start(home);
    expect(JSON.parse((await d.store.get('/registry/secrets/default/old'))?.value ?? '').note).toBe('legacy-password-2');
    expect(rawValues(home).every((v) => v.startsWith(ENCRYPTED_PREFIX))).toBe(true);
    close(d);
    const bytes = rawBytes(home);
    expect(bytes).not.toContain('legacy-password');
    expect(bytes).not.toContain(Buffer.from('legacy-password-1').toString('base64'));
  });

  it('refuses to start, naming the key, when the key that encrypted the data is missing or wrong', async () => {
    const home = tmp.make();
    const d = await start(home);
    await d.store.create('/registry/secrets/default/s', secret('x'));
    const name = JSON.parse(readFileSync(join(home, 'pki', 'encryption.json'), 'utf8')).keys[0].name as string;
    close(d);
    const keyFile = join(home, 'pki', 'encryption.json');
    const original = readFileSync(keyFile, 'utf8');

    // Missing: no new key is made up in its place.
    rmSync(keyFile);
    await expect(start(home)).rejects.toThrow(new RegExp(`holds values encrypted with key "${name}", which file .*encryption.json does not hold \\(no keys there at all\\)`));
    expect(existsSync(keyFile)).toBe(false);

    // Another key under the same name: authentication fails, named.
    writeFileSync(keyFile, serializeKeys([{ name, secret: Buffer.alloc(32, 7) }]));
    await expect(start(home)).rejects.toThrow(new RegExp(`cannot decrypt /registry/secrets/default/s with key "${name}" from file .*: authentication failed`));

    // Another key altogether.
    writeFileSync(keyFile, serializeKeys([newKey(0)]));
    await expect(start(home)).rejects.toThrow(new RegExp(`encrypted with key "${name}", which file .* does not hold`));

    writeFileSync(keyFile, original);
    const again = await start(home);
    expect(JSON.parse((await again.store.get('/registry/secrets/default/s'))?.value ?? '').note).toBe('x');
  });

  it('answers a read of a value under an unknown key with a DecryptionError naming that key', async () => {
    const home = tmp.make();
    const d = await start(home);
    await d.raw.create('/registry/secrets/default/x', `${ENCRYPTED_PREFIX}key-gone:AAAA`);
    const err = await d.store.get('/registry/secrets/default/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecryptionError);
    expect((err as DecryptionError).keyName).toBe('key-gone');
    expect((err as Error).message).toMatch(/encrypted with key "key-gone", which file .* does not hold \(held: key-/);
  });
});

describe('key rotation', () => {
  it('re-encrypts every Secret under a new key with compare-and-swap while writers keep writing, then drops the old key', async () => {
    const home = tmp.make();
    const d = await start(home);
    const N = 40;
    for (let i = 0; i < N; i++) await d.store.create(`/registry/secrets/default/s${i}`, secret(`v${i}-0`));
    const oldKey = JSON.parse(readFileSync(join(home, 'pki', 'encryption.json'), 'utf8')).keys[0].name as string;
    // Writers: read-modify-write loops with compare-and-swap, as controllers and kubectl do.
    const last = new Map<number, string>();
    let stop = false;
    const writer = async (i: number) => {
      for (let n = 1; !stop; n++) {
        const cur = await d.store.get(`/registry/secrets/default/s${i}`);
        if (!cur) throw new Error('lost a secret');
        try {
          await d.store.update(cur.key, secret(`v${i}-${n}`), cur.modRevision);
          last.set(i, `v${i}-${n}`);
        } catch (e) {
          if (!(e instanceof StoreConflict)) throw e;
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, i) => writer(i * 5));
    const rotated = await d.rotateEncryptionKey();
    stop = true;
    await Promise.all(writers);
    expect(rotated.dropped).toEqual([oldKey]);
    expect(rotated.rewritten).toBeGreaterThan(0);
    // Every acknowledged write is there, and every Secret decrypts.
    for (let i = 0; i < N; i++) {
      const v = JSON.parse((await d.store.get(`/registry/secrets/default/s${i}`))?.value ?? '').note;
      expect(v).toBe(last.get(i) ?? `v${i}-0`);
    }
    // No revision under the old key remains, and the key file holds only the new key.
    const values = rawValues(home);
    expect(values.some((v) => v.includes(oldKey))).toBe(false);
    expect(values.every((v) => v.startsWith(`${ENCRYPTED_PREFIX}${rotated.key}:`))).toBe(true);
    const keys = JSON.parse(readFileSync(join(home, 'pki', 'encryption.json'), 'utf8')).keys.map((k: { name: string }) => k.name);
    expect(keys).toEqual([rotated.key]);
    // And it all still opens.
    close(d);
    const again = await start(home);
    expect(JSON.parse((await again.store.get('/registry/secrets/default/s0'))?.value ?? '').note).toBe(last.get(0));
  });
});

describe('re-encryption', () => {
  it('loses a write that lands between its read and its rewrite to nobody: the compare-and-swap fails and it looks again', async () => {
    const inner = new SqliteStore(':memory:');
    const k1 = newKey(0);
    const k2 = newKey(1);
    const first = new EncryptedStore(inner, { keys: [k1], prefixes: ['/registry/secrets/'], where: 'test' });
    await first.create('/registry/secrets/ns/a', 'old');
    // The writer's update arrives right after the pass read the value, before its rewrite.
    let raced = false;
    const update: Store['update'] = async (key, value, expected) => {
      if (!raced) {
        raced = true;
        await second.update(key, 'concurrent write');
      }
      return inner.update(key, value, expected);
    };
    const racing = new Proxy(inner, {
      get: (t, p) => (p === 'update' ? update : (Reflect.get(t, p, t) as unknown) instanceof Function ? (Reflect.get(t, p, t) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, p, t)),
    });
    const second = new EncryptedStore(racing, { keys: [k2, k1], prefixes: ['/registry/secrets/'], where: 'test' });
    const r = await second.reencrypt();
    expect(raced).toBe(true);
    expect(r).toEqual({ rewritten: 0, plaintext: 0 });
    expect((await second.get('/registry/secrets/ns/a'))?.value).toBe('concurrent write');
    expect((await inner.get('/registry/secrets/ns/a'))?.value.startsWith(`${ENCRYPTED_PREFIX}${k2.name}:`)).toBe(true);
    inner.close();
  });
});

describe('FileKeyProvider', () => {
  it('creates one 0600 key on first use, and reports a damaged file clearly', async () => {
    const dir = tmp.make();
    const p = new FileKeyProvider(join(dir, 'pki', 'encryption.json'));
    expect(await p.load({ create: false })).toEqual([]);
    const [k] = await p.load({ create: true });
    expect(k?.secret.length).toBe(32);
    expect(statSync(join(dir, 'pki', 'encryption.json')).mode & 0o777).toBe(0o600);
    expect((await p.load({ create: true }))[0]?.name).toBe(k?.name);
    writeFileSync(join(dir, 'pki', 'encryption.json'), '{"keys":[{"name":"k","aesgcm":"c2hvcnQ="}]}');
    await expect(p.load({ create: true })).rejects.toThrow(/key "k" must be 32 bytes of base64 \(AES-256\), got 5/);
    writeFileSync(join(dir, 'pki', 'encryption.json'), 'nope');
    await expect(p.load({ create: true })).rejects.toThrow(/encryption.json are not valid JSON/);
  });
});
