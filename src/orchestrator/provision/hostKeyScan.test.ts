import { createServer } from 'node:net';
import { Server, utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOfPublicKeyLine } from './fingerprint.js';
import { scanHostKey } from './hostKeyScan.js';

// A real SSH server (ssh2's) on loopback: the scan must read its key and never try to log in.
describe('scanHostKey', () => {
  const keys = utils.generateKeyPairSync('ed25519');
  let server: Server;
  let port = 0;
  let authAttempts = 0;
  beforeAll(async () => {
    server = new Server({ hostKeys: [keys.private] }, (client) => {
      client.on('authentication', (ctx) => {
        authAttempts++;
        ctx.reject();
      });
      client.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("reads the host key's fingerprint and type without authenticating", async () => {
    const got = await scanHostKey('127.0.0.1', port);
    expect(got).toEqual({ fingerprint: fingerprintOfPublicKeyLine(keys.public), algorithm: 'ssh-ed25519' });
    expect(authAttempts).toBe(0);
  });

  it('says why it could not connect', async () => {
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    await expect(scanHostKey('127.0.0.1', closed)).rejects.toThrow(/connection refused/);
  });
});
