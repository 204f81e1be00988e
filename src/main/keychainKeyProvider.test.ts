import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileKeyProvider } from '../orchestrator/store/keys.js';
import { silentLogger } from '../orchestrator/util/logger.js';
import { KeychainKeyProvider, type SafeStorageLike } from './keychainKeyProvider.js';

/** A keychain stand-in: AES-GCM under a key only it holds, as safeStorage's is held by the OS. */
class FakeKeychain implements SafeStorageLike {
  available = true;
  backend = 'gnome_libsecret';
  constructor(private readonly key = randomBytes(32)) {}
  isEncryptionAvailable() {
    return this.available;
  }
  getSelectedStorageBackend() {
    return this.backend;
  }
  encryptString(plain: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    return Buffer.concat([iv, c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
  }
  decryptString(b: Buffer): string {
    const d = createDecipheriv('aes-256-gcm', this.key, b.subarray(0, 12));
    d.setAuthTag(b.subarray(b.length - 16));
    return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function pki(): string {
  const d = mkdtempSync(join(tmpdir(), 'skiff-keychain-'));
  dirs.push(d);
  return join(d, 'pki');
}

describe('KeychainKeyProvider', () => {
  it('seals a new key with the keychain into a 0600 file holding no key bytes', async () => {
    const dir = pki();
    const chain = new FakeKeychain();
    const p = new KeychainKeyProvider(chain, dir, silentLogger, () => 0, 'linux');
    const [k] = await p.load({ create: true });
    const sealed = readFileSync(join(dir, 'encryption.sealed'));
    expect(statSync(join(dir, 'encryption.sealed')).mode & 0o777).toBe(0o600);
    expect(sealed.toString('latin1')).not.toContain(k?.secret.toString('base64'));
    expect(existsSync(join(dir, 'encryption.json'))).toBe(false);
    expect((await p.load({ create: true }))[0]?.secret.equals(k?.secret ?? Buffer.alloc(0))).toBe(true);
    expect(p.description).toMatch(/^the OS keychain \(sealed in .*encryption.sealed\)$/);
  });

  it('keeps a 0600 file where no keychain is usable (Linux basic_text), and seals it once one is', async () => {
    const dir = pki();
    const chain = new FakeKeychain();
    chain.backend = 'basic_text';
    const p = new KeychainKeyProvider(chain, dir, silentLogger, () => 0, 'linux');
    const [k] = await p.load({ create: true });
    expect(existsSync(join(dir, 'encryption.sealed'))).toBe(false);
    // The same file the headless server reads.
    expect((await new FileKeyProvider(join(dir, 'encryption.json')).load({ create: false }))[0]?.name).toBe(k?.name);
    chain.backend = 'kwallet6';
    expect((await p.load({ create: true }))[0]?.name).toBe(k?.name);
    expect(existsSync(join(dir, 'encryption.json'))).toBe(false);
    expect(existsSync(join(dir, 'encryption.sealed'))).toBe(true);
  });

  it('refuses, saying why, to replace sealed keys it cannot open', async () => {
    const dir = pki();
    const chain = new FakeKeychain();
    await new KeychainKeyProvider(chain, dir, silentLogger).load({ create: true });
    chain.available = false;
    await expect(new KeychainKeyProvider(chain, dir, silentLogger).load({ create: true })).rejects.toThrow(/sealed by the OS keychain, which cannot be used now \(safeStorage reports no encryption available\)/);
    const other = new FakeKeychain();
    await expect(new KeychainKeyProvider(other, dir, silentLogger).load({ create: true })).rejects.toThrow(/could not open .*encryption.sealed .*sealed by another user or keychain/);
    expect(existsSync(join(dir, 'encryption.json'))).toBe(false);
  });

  it('saves a rotated key list sealed, replacing the old one atomically', async () => {
    const dir = pki();
    const chain = new FakeKeychain();
    const p = new KeychainKeyProvider(chain, dir, silentLogger, () => 0, 'darwin');
    const [a] = await p.load({ create: true });
    const b = { name: 'key-b', secret: randomBytes(32) };
    await p.save([b, a as { name: string; secret: Buffer }]);
    expect((await p.load({ create: false })).map((k) => k.name)).toEqual(['key-b', a?.name]);
    expect(JSON.parse(chain.decryptString(readFileSync(join(dir, 'encryption.sealed')))).keys).toHaveLength(2);
  });
});
