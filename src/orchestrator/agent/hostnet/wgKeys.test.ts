import { describe, expect, it } from 'vitest';
import { generateWireGuardPrivateKey, isWireGuardKey, wireGuardPublicKey } from './wgKeys.js';

const hex64 = (h: string) => Buffer.from(h, 'hex').toString('base64');

describe('WireGuard keys', () => {
  it('derives the public key as X25519 does (RFC 7748 section 6.1, Alice)', () => {
    const priv = hex64('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    expect(wireGuardPublicKey(priv)).toBe(hex64('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'));
  });

  it('generates distinct well-formed keys', () => {
    const a = generateWireGuardPrivateKey();
    const b = generateWireGuardPrivateKey();
    expect(isWireGuardKey(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(isWireGuardKey(wireGuardPublicKey(a))).toBe(true);
  });

  it.each(['', 'abc', `${'A'.repeat(43)}`, `${'A'.repeat(42)}B=`, `${'A'.repeat(43)}= --rm`, 42])('refuses %j', (k) => {
    expect(isWireGuardKey(k)).toBe(false);
  });
});
