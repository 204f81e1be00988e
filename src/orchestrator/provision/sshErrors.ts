/**
 * Turns what ssh2 and the socket report into sentences a user can act on. Kept pure so each case
 * is unit-tested; `SshSession` calls it for every connection failure.
 */

export interface ConnectTarget {
  address: string;
  port: number;
  user: string;
}

/** The host presented a key other than the trusted one. Never retried silently: it needs a person. */
export class HostKeyMismatchError extends Error {
  override name = 'HostKeyMismatchError';
  constructor(
    readonly address: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `host key for ${address} changed: expected ${expected}, got ${actual}; refusing to connect ` +
        '(if the host was reinstalled, verify the new key and set spec.hostKeyFingerprint or clear status.pinnedHostKey)',
    );
  }
}

/** Authentication was refused: retrying with the same credentials will not help. */
export class SshAuthError extends Error {
  override name = 'SshAuthError';
}

export function describeConnectError(e: unknown, t: ConnectTarget, timeoutMs: number): Error {
  if (e instanceof HostKeyMismatchError || e instanceof SshAuthError) return e;
  const err = e as { code?: unknown; level?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  const level = typeof err?.level === 'string' ? err.level : '';
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  const where = `${t.address}:${t.port}`;
  if (level === 'client-authentication') {
    return new SshAuthError(`authentication failed for ${t.user}@${where}: the server accepted none of the offered keys (check the user and the private key)`);
  }
  if (level === 'client-timeout' || code === 'ETIMEDOUT') return new Error(`cannot connect to ${where}: timed out after ${Math.round(timeoutMs / 1000)} s (host down or unreachable, or the port is filtered)`);
  switch (code) {
    case 'ECONNREFUSED':
      return new Error(`cannot connect to ${where}: connection refused (is sshd running and listening on port ${t.port}?)`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new Error(`cannot connect to ${where}: ${code === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(`cannot connect to ${where}: cannot resolve the name ${t.address}`);
    case 'ECONNRESET':
      return new Error(`cannot connect to ${where}: the connection was reset during the SSH handshake`);
  }
  if (/Cannot parse privateKey|Encrypted private OpenSSH key|no passphrase given/i.test(msg)) {
    return new SshAuthError(`the private key for ${t.user}@${where} cannot be used: ${msg}`);
  }
  return new Error(`cannot connect to ${where}: ${msg}`);
}
