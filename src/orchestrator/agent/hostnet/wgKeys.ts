import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/**
 * WireGuard keys as `wg` prints them: base64 of 32 bytes (Curve25519). Made with node:crypto's
 * X25519 so neither the agent nor a test needs `wg genkey`; the same arithmetic as wg's (the
 * scalar is clamped inside X25519, so `wg pubkey` agrees for any 32 bytes).
 */

/** PKCS#8 wrapping of a raw X25519 private key (RFC 8410): this prefix, then the 32 bytes. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** True for a base64 WireGuard key (32 bytes, canonical padding). */
export function isWireGuardKey(v: unknown): v is string {
  return typeof v === 'string' && KEY.test(v) && Buffer.from(v, 'base64').length === 32;
}

/** A new private key (as `wg genkey`). */
export function generateWireGuardPrivateKey(): string {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - 32).toString('base64');
}

/** The public key of a private key (as `wg pubkey`); throws on a malformed key. */
export function wireGuardPublicKey(privateKey: string): string {
  if (!isWireGuardKey(privateKey)) throw new Error('not a WireGuard key (base64 of 32 bytes)');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(privateKey, 'base64')]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}
