// Encryption at rest and the private data directory, through the real API and the real kubectl: a
// Secret created with `kubectl create secret` reads back in plain text, while state.db and its WAL
// hold neither its value nor the value's base64; the data directory and every file in it are
// private; a restart reads the Secret back with the key from pki/encryption.json.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/controlPlane.js';

const home = mkdtempSync(join(tmpdir(), 'skiff-encryption-'));
let t: TestControlPlane | undefined;
afterAll(async () => {
  await t?.stop();
  rmSync(home, { recursive: true, force: true });
});

function rawBytes(): Buffer {
  const f = join(home, 'state.db');
  return Buffer.concat([readFileSync(f), existsSync(`${f}-wal`) ? readFileSync(`${f}-wal`) : Buffer.alloc(0)]);
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...files(join(dir, e.name))] : [join(dir, e.name)]));
}

it('keeps a Secret made with kubectl out of the database file in plain text, in a private data directory', async () => {
  t = await startTestControlPlane({ home });
  const value = `pw-${randomBytes(12).toString('hex')}`;
  await t.kubectl.ok(['create', 'secret', 'generic', 'db-password', `--from-literal=password=${value}`]);
  const read = await t.kubectl.ok(['get', 'secret', 'db-password', '-o', 'jsonpath={.data.password}']);
  expect(Buffer.from(read, 'base64').toString()).toBe(value);

  const bytes = rawBytes();
  expect(bytes.includes(value)).toBe(false);
  expect(bytes.includes(Buffer.from(value).toString('base64'))).toBe(false);
  expect(bytes.includes('db-password')).toBe(true); // the key path is not secret; the value is
  const db = new Database(join(home, 'state.db'), { readonly: true });
  const stored = db.prepare("SELECT value FROM log WHERE key = '/registry/secrets/default/db-password' AND value IS NOT NULL").pluck().all() as string[];
  db.close();
  expect(stored.length).toBeGreaterThan(0);
  for (const v of stored) expect(v).toMatch(/^k8s:enc:aesgcm:v1:key-[^:]+:[A-Za-z0-9+/=]+$/);

  expect(statSync(home).mode & 0o777).toBe(0o700);
  const loose = files(home)
    .filter((f) => !f.startsWith(join(home, 'agent')))
    .filter((f) => (statSync(f).mode & 0o777) !== (statSync(f).isDirectory() ? 0o700 : 0o600))
    .map((f) => `${f.slice(home.length + 1)} ${(statSync(f).mode & 0o777).toString(8)}`);
  expect(loose).toEqual([]);
  for (const f of ['state.db', 'state.db-wal', 'state.db-shm', 'admin.token', 'kubeconfig', 'pki/encryption.json', 'pki/ca.key', 'pki/ca.crt']) {
    expect(existsSync(join(home, f))).toBe(true);
  }

  // After a restart the same key decrypts it.
  await t.stop();
  t = await startTestControlPlane({ home });
  const again = await t.kubectl.ok(['get', 'secret', 'db-password', '-o', 'jsonpath={.data.password}']);
  expect(Buffer.from(again, 'base64').toString()).toBe(value);
});
