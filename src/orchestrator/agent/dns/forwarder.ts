import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Clock } from '../../util/clock.js';

/** One upstream resolver: an address and its port (53 from resolv.conf). */
export interface UpstreamServer {
  host: string;
  port: number;
}

/** Where names outside the cluster go. */
export interface Upstream {
  /**
   * Sends a wire-format query to the upstream resolvers, in order (the next one when one fails or
   * does not answer in time), over the same transport the client used, and resolves with the
   * first answer's bytes untouched (the upstream's TTLs, flags and truncation pass through).
   * Rejects when none answers.
   */
  forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer>;
}

/** `10.0.0.2`, `10.0.0.2:5353`, `[fd00::1]:53`, `fd00::1` -> server. */
export function parseUpstream(text: string): UpstreamServer {
  const v6 = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] ?? '', port: Number(v6[2] ?? 53) };
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host = '', port = '53'] = text.split(':');
    return { host, port: Number(port) };
  }
  return { host: text, port: 53 };
}

/**
 * Forwards to upstream resolvers as CoreDNS's `forward` plugin does (policy `sequential`): each
 * server gets `timeoutMs` (default 2 s) before the next one is tried. One UDP socket per query
 * (a random source port for each, against spoofed answers); the answer must carry the query's id.
 */
export class Forwarder implements Upstream {
  constructor(
    private readonly servers: () => readonly UpstreamServer[],
    private readonly clock: Clock,
    private readonly timeoutMs = 2_000,
  ) {}

  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    const list = this.servers();
    if (!list.length) throw new Error('no upstream resolver is configured on this host');
    let last: unknown;
    for (const s of list) {
      try {
        return await (transport === 'udp' ? this.udp(s, query) : this.tcp(s, query));
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  private udp(s: UpstreamServer, query: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const sock = createSocket(s.host.includes(':') ? 'udp6' : 'udp4');
      const done = (e: Error | undefined, b?: Buffer) => {
        cancel();
        sock.close();
        if (e) reject(e);
        else resolve(b as Buffer);
      };
      const cancel = this.clock.setTimeout(() => done(new Error(`upstream ${s.host}:${s.port} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      sock.on('error', (e) => done(e));
      sock.on('message', (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(undefined, msg);
      });
      sock.send(query, s.port, s.host);
    });
  }

  private tcp(s: UpstreamServer, query: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const sock = connect(s.port, s.host);
      let buf = Buffer.alloc(0);
      let settled = false;
      const done = (e: Error | undefined, b?: Buffer) => {
        if (settled) return;
        settled = true;
        cancel();
        sock.destroy();
        if (e) reject(e);
        else resolve(b as Buffer);
      };
      const cancel = this.clock.setTimeout(() => done(new Error(`upstream ${s.host}:${s.port} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      sock.on('error', (e) => done(e));
      sock.on('close', () => done(new Error(`upstream ${s.host}:${s.port} closed the connection`)));
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
  }
}
