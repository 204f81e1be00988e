import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWireGuardPrivateKey, isWireGuardKey, wireGuardPublicKey } from '../hostnet/wgKeys.js';

/** A node's WireGuard key pair; the private half stays on the node. */
export interface WireGuardKey {
  privateKey: string;
  publicKey: string;
}

/** Where the node keeps its private key: in the agent's data dir, readable by the agent's user only. */
export function wireguardKeyPath(dataDir: string): string {
  return join(dataDir, 'wireguard', 'private.key');
}

/**
 * The node's key pair, made on first use and kept across restarts (so peers need not re-learn it)
 * in `dataDir/wireguard/private.key`, mode 0600 in a 0700 directory (as `umask 077; wg genkey`).
 * A file that is not a key is an error naming the file (never its content); looser modes are
 * tightened.
 */
export function loadOrCreateWireGuardKey(dataDir: string): WireGuardKey {
  const path = wireguardKeyPath(dataDir);
  mkdirSync(join(dataDir, 'wireguard'), { recursive: true, mode: 0o700 });
  let privateKey: string;
  try {
    privateKey = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    privateKey = generateWireGuardPrivateKey();
    try {
      writeFileSync(path, `${privateKey}\n`, { mode: 0o600, flag: 'wx' });
    } catch (w) {
      // Another agent of this node (a restart racing the old one) wrote it first: use that one.
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w;
      privateKey = readFileSync(path, 'utf8').trim();
    }
  }
  if (!isWireGuardKey(privateKey)) throw new Error(`${path} does not hold a WireGuard private key (base64 of 32 bytes): remove it and a new one is made`);
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return { privateKey, publicKey: wireGuardPublicKey(privateKey) };
}
