import { describe, expect, it } from 'vitest';
import { describeConnectError, HostKeyMismatchError, SshAuthError } from './sshErrors.js';

const t = { address: '10.77.0.11', port: 22, user: 'root' };
const withCode = (code: string) => Object.assign(new Error(`connect ${code} 10.77.0.11:22`), { code });

describe('describeConnectError', () => {
  it.each([
    [withCode('ECONNREFUSED'), 'cannot connect to 10.77.0.11:22: connection refused (is sshd running and listening on port 22?)'],
    [withCode('EHOSTUNREACH'), 'cannot connect to 10.77.0.11:22: host unreachable'],
    [withCode('ENOTFOUND'), 'cannot connect to 10.77.0.11:22: cannot resolve the name 10.77.0.11'],
    [Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), 'cannot connect to 10.77.0.11:22: timed out after 15 s (host down or unreachable, or the port is filtered)'],
    [new Error('something else'), 'cannot connect to 10.77.0.11:22: something else'],
  ])('%s', (e, message) => {
    expect(describeConnectError(e, t, 15_000).message).toBe(message);
  });

  it('marks authentication failures, which retrying cannot fix', () => {
    const e = describeConnectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), t, 15_000);
    expect(e).toBeInstanceOf(SshAuthError);
    expect(e.message).toBe('authentication failed for root@10.77.0.11:22: the server accepted none of the offered keys (check the user and the private key)');
  });

  it('names both fingerprints when the host key changed', () => {
    const e = new HostKeyMismatchError('10.77.0.11', 'SHA256:old', 'SHA256:new');
    expect(describeConnectError(e, t, 1)).toBe(e);
    expect(e.message).toMatch(/^host key for 10\.77\.0\.11 changed: expected SHA256:old, got SHA256:new; refusing to connect/);
  });
});
