import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { makeDataDirPrivate } from './dataDir.js';
import { openDatastore } from './datastore.js';
import { tempDirs } from './testing.js';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());
const mode = (p: string) => statSync(p).mode & 0o777;

describe('the data directory', () => {
  it.skipIf(process.platform === 'win32')('fixes loose modes of an existing home on start, logs them, and leaves the agent data and symlinks alone', () => {
    const home = join(tmp.make(), 'home');
    mkdirSync(join(home, 'pki'), { recursive: true, mode: 0o755 });
    mkdirSync(join(home, 'agent', 'volumes'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    writeFileSync(join(home, 'state.db'), 'x', { mode: 0o644 });
    writeFileSync(join(home, 'state.db-wal'), 'x', { mode: 0o644 });
    writeFileSync(join(home, 'pki', 'ca.key'), 'x', { mode: 0o644 });
    writeFileSync(join(home, 'kubeconfig'), 'x', { mode: 0o600 });
    writeFileSync(join(home, 'agent', 'volumes', 'data.txt'), 'x', { mode: 0o644 });
    const outside = join(tmp.make(), 'outside.txt');
    writeFileSync(outside, 'x', { mode: 0o644 });
    symlinkSync(outside, join(home, 'link'));
    const warnings: unknown[] = [];
    const log: Logger = { ...silentLogger, warn: (m, f) => warnings.push([m, f]), child: () => log };
    const fixed = makeDataDirPrivate(home, log, ['agent']);
    expect(fixed.sort()).toEqual(['.', 'agent', 'pki', 'pki/ca.key', 'state.db', 'state.db-wal']);
    expect([mode(home), mode(join(home, 'pki')), mode(join(home, 'agent'))]).toEqual([0o700, 0o700, 0o700]);
    expect([mode(join(home, 'state.db')), mode(join(home, 'state.db-wal')), mode(join(home, 'pki', 'ca.key'))]).toEqual([0o600, 0o600, 0o600]);
    expect(mode(join(home, 'agent', 'volumes', 'data.txt'))).toBe(0o644);
    expect(mode(outside)).toBe(0o644);
    expect(warnings).toHaveLength(1);
    expect(makeDataDirPrivate(home, log, ['agent'])).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')('creates state.db, its WAL and shm, and the key file 0600 in a 0700 home', async () => {
    const home = join(tmp.make(), 'fresh');
    const d = await openDatastore({ home, clock: new FakeClock(), log: silentLogger });
    await d.store.create('/registry/secrets/default/s', '{}');
    expect(mode(home)).toBe(0o700);
    for (const f of ['state.db', 'state.db-wal', 'state.db-shm', 'pki/encryption.json']) expect([f, mode(join(home, f))]).toEqual([f, 0o600]);
    expect(mode(join(home, 'pki'))).toBe(0o700);
    d.close();
  });
});
