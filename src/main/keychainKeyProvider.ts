import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newKey, parseKeys, serializeKeys, writePrivateFileAtomic, type EncryptionKey, type KeyProvider } from '../orchestrator/store/keys.js';
import type { Logger } from '../orchestrator/util/logger.js';

/** What this provider uses of Electron's `safeStorage` (the real one, or a fake in unit tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: `basic_text` means no keychain, just a password built into Chromium. */
  getSelectedStorageBackend?(): string;
}

/**
 * The desktop app's keys for encryption at rest, sealed by the OS keychain through Electron's
 * `safeStorage` (Keychain on macOS, DPAPI on Windows, libsecret or KWallet on Linux) into
 * `pki/encryption.sealed` (0600): the file alone, copied off the machine, opens nothing.
 *
 * Where no keychain is usable (`isEncryptionAvailable()` false, or Linux's `basic_text` backend,
 * which only obfuscates), the keys stay in the 0600 file `pki/encryption.json`, as in headless mode,
 * with a warning; once a keychain is usable, the next start seals them and removes that file. Keys
 * sealed earlier but not openable now (keychain locked or gone) are an error that says so, never
 * replaced by a new key.
 */
export class KeychainKeyProvider implements KeyProvider {
  private readonly sealedPath: string;
  private readonly plainPath: string;

  constructor(
    private readonly safe: SafeStorageLike,
    pkiDir: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.sealedPath = join(pkiDir, 'encryption.sealed');
    this.plainPath = join(pkiDir, 'encryption.json');
  }

  get description(): string {
    return existsSync(this.sealedPath) ? `the OS keychain (sealed in ${this.sealedPath})` : `file ${this.plainPath}`;
  }

  /** Why the keychain cannot be used, or undefined when it can. */
  private unusable(): string | undefined {
    if (!this.safe.isEncryptionAvailable()) return 'safeStorage reports no encryption available';
    if (this.platform === 'linux' && this.safe.getSelectedStorageBackend?.() === 'basic_text') return 'no secret service (libsecret or KWallet) in this session';
    return undefined;
  }

  async load(opts: { create: boolean }): Promise<EncryptionKey[]> {
    if (existsSync(this.sealedPath)) {
      const why = this.unusable();
      if (why) throw new Error(`the encryption keys in ${this.sealedPath} are sealed by the OS keychain, which cannot be used now (${why}); unlock it (log in to the desktop session) and start Skiff again`);
      let text: string;
      try {
        text = this.safe.decryptString(readFileSync(this.sealedPath));
      } catch (e) {
        throw new Error(`the OS keychain could not open ${this.sealedPath} (${e instanceof Error ? e.message : String(e)}): it was sealed by another user or keychain`);
      }
      return parseKeys(text, this.sealedPath);
    }
    if (existsSync(this.plainPath)) {
      const keys = parseKeys(readFileSync(this.plainPath, 'utf8'), this.plainPath);
      if (!this.unusable()) {
        await this.save(keys);
        this.log.info('moved the encryption keys into the OS keychain', { sealed: this.sealedPath });
      }
      return keys;
    }
    if (!opts.create) return [];
    const keys = [newKey(this.now())];
    await this.save(keys);
    return keys;
  }

  async save(keys: EncryptionKey[]): Promise<void> {
    const why = this.unusable();
    if (why) {
      this.log.warn('the OS keychain cannot be used; the encryption key is kept in a 0600 file', { reason: why, file: this.plainPath });
      writePrivateFileAtomic(this.plainPath, serializeKeys(keys));
      return;
    }
    writePrivateFileAtomic(this.sealedPath, this.safe.encryptString(serializeKeys(keys)));
    rmSync(this.plainPath, { force: true });
  }
}
