import { Client } from 'ssh2';
import { fingerprint } from './fingerprint.js';
import { describeConnectError } from './sshErrors.js';

/** What a host presents before anyone logs in: its key's type and OpenSSH fingerprint. */
export interface ScannedHostKey {
  fingerprint: string;
  /** The key's type as the blob names it: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  algorithm: string;
}

/**
 * Connects to `address:port`, reads the host key of the SSH handshake and disconnects before any
 * authentication (the verifier refuses the key, so no credential is ever sent), as `ssh-keyscan`
 * does. The user confirms the fingerprint before it is pinned in `spec.hostKeyFingerprint`.
 */
export function scanHostKey(address: string, port: number, timeoutMs = 15_000): Promise<ScannedHostKey> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let seen: ScannedHostKey | undefined;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      conn.destroy();
      if (seen) resolve(seen);
      else reject(describeConnectError(err ?? new Error('the host closed the connection before showing its key'), { address, port, user: '' }, timeoutMs));
    };
    conn.on('error', (e) => finish(e));
    conn.on('close', () => finish());
    try {
      conn.connect({
        host: address,
        port,
        username: 'skiff-host-key-scan',
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          // The key blob starts with its type (an SSH string: length, then the name).
          const len = key.length >= 4 ? key.readUInt32BE(0) : 0;
          seen = { fingerprint: fingerprint(key), algorithm: len > 0 && len < 64 ? key.subarray(4, 4 + len).toString('latin1') : 'unknown' };
          return false;
        },
      });
    } catch (e) {
      finish(e);
    }
  });
}
