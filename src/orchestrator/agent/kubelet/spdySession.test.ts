import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/logger.js';
import { controlFrame, dataFrame, FrameType, GoAwayStatus, RstStatus, windowUpdateFrame } from './spdy.js';
import { SpdyServerSession, type SpdyStream } from './spdySession.js';
import { SpdyTestClient } from './spdyTestClient.js';

/** A server session and a test client wired back to back through in-memory "transports". */
function pair() {
  const opened: SpdyStream[] = [];
  let transportClosed = false;
  const client: SpdyTestClient = new SpdyTestClient((b) => setImmediate(() => server.receive(b)));
  const server: SpdyServerSession = new SpdyServerSession({
    transport: {
      write: (b) => setImmediate(() => client.receive(b)),
      close: () => (transportClosed = true),
    },
    log: silentLogger,
    onStream: (s) => opened.push(s),
  });
  return { client, server, opened, isClosed: () => transportClosed };
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

describe('SpdyServerSession', () => {
  it('replies to each SYN_STREAM before anything else, and hands the stream over with its headers', async () => {
    const { client, opened } = pair();
    cleanup.push(() => client.close());
    const a = await client.open({ streamtype: 'error', port: '80', requestid: '0' });
    const b = await client.open({ streamtype: 'data', port: '80', requestid: '0' });
    await client.until('both replies', () => client.stream(a).replied && client.stream(b).replied);
    expect([a, b]).toEqual([1, 3]);
    expect(opened.map((s) => [s.id, s.header('streamtype'), s.header('port'), s.header('requestid')])).toEqual([
      [1, 'error', '80', '0'],
      [3, 'data', '80', '0'],
    ]);
    expect(client.stream(a).replyHeaders?.size).toBe(0);
  });

  it('carries data both ways and half-closes each side with FIN', async () => {
    const { client, opened, server } = pair();
    cleanup.push(() => client.close());
    const id = await client.open({ streamtype: 'data' });
    await client.until('reply', () => client.stream(id).replied);
    const s = opened[0] as SpdyStream;
    const got: string[] = [];
    let ended = false;
    let closed = false;
    s.on('data', (c: Buffer) => got.push(c.toString()));
    s.on('end', () => (ended = true));
    s.on('close', () => (closed = true));
    client.write(id, Buffer.from('ping?'));
    client.write(id, Buffer.alloc(0), true);
    await client.until('client data and FIN at the server', () => ended);
    expect(got.join('')).toBe('ping?');
    expect(closed).toBe(false);
    s.write(Buffer.alloc(100_000, 'x')); // more than one frame
    s.end();
    await client.until('server FIN', () => client.stream(id).fin);
    expect(client.text(id)).toBe('x'.repeat(100_000));
    expect(closed).toBe(true);
    expect(server.streamCount).toBe(0);
  });

  it('treats a SYN_STREAM with FIN as a stream the client will not write to', async () => {
    const { client, opened } = pair();
    cleanup.push(() => client.close());
    await client.open({ streamtype: 'error' }, true);
    await client.until('stream', () => opened.length === 1);
    const s = opened[0] as SpdyStream;
    expect(s.writable).toBe(true);
  });

  it('resets on RST_STREAM both ways and drops data for a reset stream', async () => {
    const { client, opened } = pair();
    cleanup.push(() => client.close());
    const a = await client.open({ streamtype: 'data' });
    const b = await client.open({ streamtype: 'data' });
    await client.until('replies', () => opened.length === 2);
    const [sa, sb] = opened as [SpdyStream, SpdyStream];
    let resetA = false;
    sa.on('reset', () => (resetA = true));
    const afterReset: Buffer[] = [];
    sa.on('data', (c: Buffer) => afterReset.push(c));
    client.reset(a);
    client.write(a, Buffer.from('late'));
    await client.until('reset seen', () => resetA);
    await new Promise((r) => setTimeout(r, 20));
    expect(afterReset).toEqual([]);
    expect(sa.writable).toBe(false);
    sb.reset(RstStatus.CANCEL);
    await client.until('server reset', () => client.stream(b).reset !== undefined);
    expect(client.stream(b).reset).toBe(RstStatus.CANCEL);
  });

  it('echoes client pings (odd ids) and ignores SETTINGS and WINDOW_UPDATE', async () => {
    const { client, server } = pair();
    cleanup.push(() => client.close());
    server.receive(controlFrame(FrameType.SETTINGS, 0, Buffer.from([0, 0, 0, 1, 0, 0, 0, 7, 0, 1, 0, 0])));
    server.receive(windowUpdateFrame(0, 65536));
    client.ping(7);
    client.ping(8); // an even id would answer a ping of ours: not echoed
    client.ping(9);
    await client.until('pongs', () => client.pings.includes(9));
    expect(client.pings).toEqual([7, 9]);
    expect(server.open).toBe(true);
  });

  it('refuses stream ids that are even or go backwards', async () => {
    const { client, server, opened } = pair();
    cleanup.push(() => client.close());
    await client.open({ a: '1' });
    await client.open({ a: '3' });
    await client.until('two streams', () => opened.length === 2);
    // Replay id 1: spdystream answers a stale id with RST_STREAM PROTOCOL_ERROR, and so do we.
    const stale = (client as unknown as { nextId: number });
    stale.nextId = 1;
    await client.open({ a: 'again' });
    await client.until('rst', () => client.stream(1).reset === RstStatus.PROTOCOL_ERROR);
    expect(opened).toHaveLength(2);
    expect(server.open).toBe(true);
  });

  it('closes with GOAWAY on garbage and on the peer GOAWAY, resetting open streams', async () => {
    const { client, server, opened, isClosed } = pair();
    cleanup.push(() => client.close());
    await client.open({ a: '1' });
    await client.until('stream', () => opened.length === 1);
    let reset = false;
    (opened[0] as SpdyStream).on('reset', () => (reset = true));
    // A SYN_STREAM whose header block is not zlib: a protocol error for the whole session.
    server.receive(Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]));
    await client.until('goaway', () => client.goAway !== undefined);
    expect(client.goAway).toEqual({ lastGoodStreamId: 1, status: GoAwayStatus.PROTOCOL_ERROR });
    expect(isClosed()).toBe(true);
    expect(reset).toBe(true);
    server.receive(dataFrame(1, Buffer.from('ignored')));
    expect(server.open).toBe(false);
  });
});
