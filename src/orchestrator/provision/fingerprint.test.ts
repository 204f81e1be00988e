import { describe, expect, it } from 'vitest';
import { fingerprintOfPublicKeyLine, normalizeFingerprint } from './fingerprint.js';

// Keys and fingerprints printed by `ssh-keygen -lf` (OpenSSH 9.2) for throwaway keys.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIIRzmMJSr+6f4F5d1KwkGqCKiJlRkDOyw3CoEg4JMIf fixture';
const ED25519_FP = 'SHA256:wq69Pvsa/ZiqnFNZxQmcQ4XbrHAD59oyxPJT19mRB0o';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDIyknPB5Y/aJWcJx9xIgwhvJqlhjuNqy/VlKcMFjcxUtZ6r6ENdM/KYwl0PS27+mpWjMrzlqMalduouJKK4JaXa2E7apWEPPL886XxcCJvBzF4+3kXJM12nwxqa8/Kbt58G+BxiTzVBjBLQMy68LJxGT0GiOc2cBpdw1MhKNTSow== fixture';
const RSA_FP = 'SHA256:N5DaH9pdi242pxXwZBkLYTWAAhPWME5EIwe4DgVcWtQ';

describe('fingerprint', () => {
  it('matches ssh-keygen for ed25519 and rsa keys', () => {
    expect(fingerprintOfPublicKeyLine(ED25519)).toBe(ED25519_FP);
    expect(fingerprintOfPublicKeyLine(RSA)).toBe(RSA_FP);
  });

  it('normalizes what users paste', () => {
    expect(normalizeFingerprint(ED25519_FP)).toBe(ED25519_FP);
    expect(normalizeFingerprint(' wq69Pvsa/ZiqnFNZxQmcQ4XbrHAD59oyxPJT19mRB0o= ')).toBe(ED25519_FP);
    expect(normalizeFingerprint('MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48')).toBeUndefined();
    expect(normalizeFingerprint('SHA256:short')).toBeUndefined();
  });
});
