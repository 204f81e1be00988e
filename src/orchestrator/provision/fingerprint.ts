import { createHash } from 'node:crypto';

/**
 * The OpenSSH fingerprint of a host key, as `ssh-keygen -lf` and the first-connection prompt show
 * it: `SHA256:` and the unpadded base64 of the SHA-256 of the key blob (the wire encoding of the
 * public key, which is what ssh2's `hostVerifier` receives).
 */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A fingerprint as a user may paste it (with or without `SHA256:`, with padding, surrounding space)
 * in the form `fingerprint` produces; undefined when it is not a SHA-256 fingerprint at all.
 */
export function normalizeFingerprint(input: string): string | undefined {
  const s = input.trim();
  const m = /^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$/.exec(s);
  return m ? `SHA256:${m[1]}` : undefined;
}

/** The fingerprint of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line');
  return fingerprint(Buffer.from(blob, 'base64'));
}
