import { join } from 'node:path';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { makeDataDirPrivate } from './dataDir.js';
import { EncryptedStore, ENCRYPTED_PREFIX, encryptionKeyOf } from './encryption.js';
import { FileKeyProvider, newKey, type KeyProvider } from './keys.js';
import { startMaintenance, type Maintenance, type MaintenancePolicy } from './maintenance.js';
import { SqliteStore, type StoreStats } from './SqliteStore.js';
import type { Store } from './types.js';

export interface DatastoreOptions {
  /** The data directory (SKIFF_HOME): made private, holds state.db. */
  home: string;
  clock: Clock;
  log: Logger;
  /** Where the encryption keys live (default: a 0600 file, `$home/pki/encryption.json`). */
  keyProvider?: KeyProvider;
  /** Resources stored encrypted (default `secrets`): their `/registry/<resource>/` keys. */
  encryptResources?: string[];
  /** Events expire this long after their last write (default 1 h, as kube-apiserver's `--event-ttl`). */
  eventTtlMs?: number;
  maintenance?: Partial<MaintenancePolicy>;
  /** Folders under `home` whose contents keep their own modes (the local node's agent data). */
  keepModesUnder?: string[];
}

export interface Datastore {
  /** The store the API server uses: encryption at rest applied, plain text in and out. */
  store: Store;
  /** The SQLite store underneath (ciphertext): maintenance, sizes, benchmarks. */
  raw: SqliteStore;
  maintenance: Maintenance;
  stats(): StoreStats;
  /**
   * Key rotation: a new key becomes the write key (saved before it encrypts anything), every
   * encrypted value is rewritten under it with compare-and-swap, history is compacted so no
   * revision under an old key remains, and the old keys are dropped from the provider.
   */
  rotateEncryptionKey(): Promise<{ key: string; rewritten: number; dropped: string[] }>;
  close(): void;
}

export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;

/**
 * Opens the control plane's datastore: the data directory made private, state.db with its leases
 * (Event TTL), encryption at rest over it, plain-text values under encrypted prefixes migrated (and
 * their old revisions purged from the file), and maintenance started.
 */
export async function openDatastore(opts: DatastoreOptions): Promise<Datastore> {
  const { home, clock, log } = opts;
  makeDataDirPrivate(home, log, opts.keepModesUnder);
  const provider = opts.keyProvider ?? new FileKeyProvider(join(home, 'pki', 'encryption.json'), () => clock.now());
  const prefixes = (opts.encryptResources ?? ['secrets']).map((r) => `/registry/${r}/`);
  const raw = new SqliteStore(join(home, 'state.db'), {
    clock,
    log,
    leases: [{ prefix: '/registry/events/', ttlMs: opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS }],
  });
  try {
    // Never make up a key when the file already holds values under keys that are gone.
    const usedKeys = await keysInUse(raw);
    const keys = await provider.load({ create: usedKeys.size === 0 });
    const missing = [...usedKeys].filter((k) => !keys.some((h) => h.name === k));
    if (missing.length) {
      throw new Error(
        `state.db holds values encrypted with key ${missing.map((k) => `"${k}"`).join(', ')}, which ${provider.description} does not hold${keys.length ? '' : ' (no keys there at all)'}. Restore the key (or the file that held it) and start again.`,
      );
    }
    const store = new EncryptedStore(raw, { keys, prefixes, where: provider.description, log });
    // A key of the right name but the wrong bytes fails here, naming it, not on some later read.
    for (const sample of raw.samplesByHeader(ENCRYPTED_PREFIX)) store.decrypt(sample.key, sample.value);
    const migrated = await store.reencrypt();
    if (migrated.plaintext > 0) {
      // The plain-text revisions go from the history, and VACUUM rewrites the file without them.
      await raw.compact(raw.currentRevision());
      await raw.vacuumFull();
      log.info('encrypted values that were stored as plain text; their plain-text history is purged', { count: migrated.plaintext, resources: prefixes });
    } else if (migrated.rewritten > 0) {
      log.info('re-encrypted values under the current write key', { count: migrated.rewritten, key: store.writeKeyName });
    }
    const maintenance = startMaintenance(raw, clock, log, opts.maintenance);
    return {
      store,
      raw,
      maintenance,
      stats: () => raw.stats(),
      async rotateEncryptionKey() {
        const old = await provider.load({ create: false });
        const fresh = newKey(clock.now());
        await provider.save([fresh, ...old]);
        store.setKeys([fresh, ...old]);
        const { rewritten } = await store.reencrypt();
        await raw.compact(raw.currentRevision());
        // Anything still under an old key (there should be nothing) keeps that key in the list.
        const stillUsed = await keysInUse(raw, true);
        const kept = old.filter((k) => stillUsed.has(k.name));
        await provider.save([fresh, ...kept]);
        store.setKeys([fresh, ...kept]);
        const dropped = old.filter((k) => !stillUsed.has(k.name)).map((k) => k.name);
        log.info('rotated the encryption key', { key: fresh.name, rewritten, dropped, kept: kept.map((k) => k.name) });
        return { key: fresh.name, rewritten, dropped };
      },
      close: () => {
        maintenance.dispose();
        raw.close();
      },
    };
  } catch (e) {
    raw.close();
    throw e;
  }
}

/** The names of the keys the store's live values (or, with `history`, every revision) are encrypted with. */
async function keysInUse(raw: SqliteStore, history = false): Promise<Set<string>> {
  const names = new Set<string>();
  for (const { value } of raw.samplesByHeader(ENCRYPTED_PREFIX, history)) {
    const k = encryptionKeyOf(value);
    if (k !== undefined) names.add(k);
  }
  return names;
}
