import type { AddressInfo } from 'node:net';
import { Server, utils, type Connection } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../testing/eventually.js';
import { FakeClock } from '../util/clock.js';
import { CHANNEL_OPEN_MS, SshSession } from './ssh.js';

/*
 * SshSession against an in-process ssh2 server that completes the handshake and then never answers
 * a request to open a channel: a host cut off right after connecting looks like that from here.
 */

const hostKey = utils.generateKeyPairSync('ed25519');
const userKey = utils.generateKeyPairSync('ed25519');

describe('SshSession with a host that stops answering', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  /** A server that authenticates anyone and leaves every session channel unanswered. */
  async function silentHost(): Promise<{ port: number; asked: () => number; clients: Connection[] }> {
    let asked = 0;
    const clients: Connection[] = [];
    const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
      clients.push(client);
      client.on('error', () => {});
      client.on('authentication', (ctx) => ctx.accept());
      client.on('ready', () => {
        client.on('session', () => void asked++);
        // A stream to its loopback (forwardOut): asked for, never answered either.
        client.on('tcpip', () => void asked++);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => {
      for (const c of clients) c.end();
      server.close();
    });
    return { port: (server.address() as AddressInfo).port, asked: () => asked, clients };
  }

  async function connect(port: number, clock: FakeClock): Promise<SshSession> {
    const s = await SshSession.connect({ address: '127.0.0.1', port, user: 'root', privateKey: Buffer.from(userKey.private), readyTimeoutMs: 10_000, keepaliveIntervalMs: 0, keepaliveCountMax: 3 }, clock);
    cleanup.push(() => s.destroy());
    return s;
  }

  it("exec's timeout also ends the wait for a channel the host never opens", async () => {
    const host = await silentHost();
    const clock = new FakeClock();
    const s = await connect(host.port, clock);
    let outcome: unknown;
    const run = s.exec('true', { timeoutMs: 5_000 }).then(
      () => (outcome = 'answered'),
      (e: unknown) => (outcome = e),
    );
    await eventually('the host was asked for a channel', async () => host.asked() === 1, 10_000, 10);
    await clock.advance(4_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await run;
    expect(outcome).toEqual(new Error('a command on 127.0.0.1 did not finish within 5 s'));
  });

  it('a request the host never answered ends when the connection closes; the session is then closed', async () => {
    const host = await silentHost();
    const s = await connect(host.port, new FakeClock());
    const run = s.exec('true').catch((e: unknown) => e);
    await eventually('the host was asked for a channel', async () => host.asked() === 1, 10_000, 10);
    for (const c of host.clients) c.end();
    expect(await run).toEqual(new Error('cannot run a command on 127.0.0.1: No response from server'));
    await s.closed;
    expect(s.isOpen).toBe(false);
  });

  it('a stream to the host, a shell or SFTP the host never opens ends after CHANNEL_OPEN_MS, and the session stays usable', async () => {
    const host = await silentHost();
    const clock = new FakeClock();
    const s = await connect(host.port, clock);
    const outcomes: unknown[] = [];
    const runs = [s.forwardOut(10250), s.shell({ cols: 80, rows: 24 }), s.writeFile('/tmp/x', 'x', '0644')].map((p) =>
      p.then(
        () => outcomes.push('answered'),
        (e: unknown) => outcomes.push(e instanceof Error ? e.message : e),
      ),
    );
    await eventually('the host was asked for three channels', async () => host.asked() === 3, 10_000, 10);
    await clock.advance(CHANNEL_OPEN_MS - 1);
    expect(outcomes).toEqual([]);
    await clock.advance(1);
    await Promise.all(runs);
    expect(outcomes.sort()).toEqual(['cannot open 127.0.0.1:10250 on 127.0.0.1: no answer within 15 s', 'cannot open SFTP on 127.0.0.1: no answer within 15 s', 'cannot open a shell on 127.0.0.1: no answer within 15 s']);
    expect(s.isOpen).toBe(true);
  });

  it('destroy ends the session at once, without waiting on the host', async () => {
    const host = await silentHost();
    const s = await connect(host.port, new FakeClock());
    const run = s.exec('true').catch((e: unknown) => e);
    await eventually('the host was asked for a channel', async () => host.asked() === 1, 10_000, 10);
    s.destroy();
    expect(s.isOpen).toBe(false);
    expect(await run).toEqual(new Error('cannot run a command on 127.0.0.1: No response from server'));
    expect(await s.closed).toBeUndefined();
  });
});
