import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wireGuardPublicKey } from '../hostnet/wgKeys.js';
import { loadOrCreateWireGuardKey, wireguardKeyPath } from './wireguardKey.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-wgkey-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the node\'s WireGuard key', () => {
  it('is made once, 0600 in a 0700 directory, and kept across restarts', () => {
    const dir = tmp();
    const a = loadOrCreateWireGuardKey(dir);
    expect(a.publicKey).toBe(wireGuardPublicKey(a.privateKey));
    expect(statSync(wireguardKeyPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'wireguard')).mode & 0o777).toBe(0o700);
    expect(readFileSync(wireguardKeyPath(dir), 'utf8').trim()).toBe(a.privateKey);
    expect(loadOrCreateWireGuardKey(dir)).toEqual(a);
  });

  it('tightens a loose mode and refuses a file that is not a key, without printing it', () => {
    const dir = tmp();
    const a = loadOrCreateWireGuardKey(dir);
    chmodSync(wireguardKeyPath(dir), 0o644);
    expect(loadOrCreateWireGuardKey(dir)).toEqual(a);
    expect(statSync(wireguardKeyPath(dir)).mode & 0o777).toBe(0o600);
    writeFileSync(wireguardKeyPath(dir), 'not-a-key-value');
    expect(() => loadOrCreateWireGuardKey(dir)).toThrow(/does not hold a WireGuard private key/);
    expect(() => loadOrCreateWireGuardKey(dir)).not.toThrow(/not-a-key-value/);
  });
});
