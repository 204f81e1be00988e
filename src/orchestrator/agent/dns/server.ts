import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { Logger } from '../../util/logger.js';
import type { Upstream } from './forwarder.js';
import type { ClusterZone } from './zone.js';

/** The classic UDP limit, for a query without EDNS. */
const CLASSIC_UDP = 512;
/** The EDNS buffer size the server offers (the DNS flag day's 1232). */
const EDNS_UDP = 1232;
/** How many ExternalName CNAMEs in a row are followed. */
const MAX_CHASE = 8;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/**
 * The node's DNS server: answers the cluster's names from a `ClusterZone` (authoritative, CoreDNS's
 * 30 s TTL), forwards every other name to the host's resolvers (their answer and TTLs passed
 * through), on UDP and TCP. A UDP answer larger than the client allows (512 bytes, or its EDNS
 * size) is cut down and marked truncated, so the client asks again over TCP. Packets are read and
 * written with `dns-packet`; malformed queries get FORMERR (or nothing, when not even the header
 * can be read).
 */
export class DnsServer {
  private udp?: Socket;
  private tcp?: Server;
  private bound?: string;

  constructor(
    private readonly zone: () => ClusterZone,
    private readonly upstream: Upstream,
    private readonly log: Logger,
  ) {}

  /** Listens on `address:port`, UDP and TCP (again when the address changed). Rejects with the bind error. */
  async listen(address: string, port: number): Promise<void> {
    const key = `${address}:${port}`;
    if (this.bound === key) return;
    this.close();
    const udp = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const tcp = createServer((conn) => {
      let buf = Buffer.alloc(0);
      conn.on('error', () => conn.destroy());
      conn.setTimeout(30_000, () => conn.destroy());
      conn.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          void this.handle(msg, 'tcp').then((out) => {
            if (!out || conn.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            conn.write(Buffer.concat([len, out]));
          });
        }
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, address, () => {
          udp.removeListener('error', reject);
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, address, () => {
          tcp.removeListener('error', reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      tcp.close();
      throw e;
    }
    udp.on('message', (msg, rinfo) => {
      void this.handle(msg, 'udp').then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    udp.on('error', (e) => this.log.warn('dns server (udp) error', { error: e.message }));
    tcp.on('error', (e) => this.log.warn('dns server (tcp) error', { error: e.message }));
    this.udp = udp;
    this.tcp = tcp;
    this.bound = key;
    this.log.info('serving cluster DNS', { listen: key });
  }

  /** The ports bound (they differ when `listen` was given port 0). */
  ports(): { udp: number; tcp: number } | undefined {
    const t = this.tcp?.address();
    if (!this.udp || !t || typeof t === 'string') return undefined;
    return { udp: this.udp.address().port, tcp: t.port };
  }

  close(): void {
    this.udp?.close();
    this.tcp?.close();
    this.udp = undefined;
    this.tcp = undefined;
    this.bound = undefined;
  }

  /** One query's answer bytes (undefined: nothing can be said, not even an error). Never throws. */
  async handle(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let q: DecodedPacket;
    try {
      q = packet.decode(msg);
    } catch {
      if (msg.length < 12) return undefined;
      return encodeHeaderOnly(msg, RCODE.FORMERR);
    }
    const question = q.questions?.[0];
    const opcode = ((q.flags ?? 0) >> 11) & 0xf;
    if (q.type === 'response') return undefined;
    if (opcode !== 0) return this.reply(q, [], [], RCODE.NOTIMP, transport);
    if (!question || (q.questions?.length ?? 0) > 1) return this.reply(q, [], [], RCODE.FORMERR, transport);
    try {
      const zone = this.zone();
      const local = zone.lookup(question.name, question.type);
      if (!local) return await this.upstream.forward(msg, transport);
      const answers: Answer[] = [...local.answers];
      const additionals = [...local.additionals];
      let rcode: number = RCODE[local.rcode];
      let chase = local.chase;
      for (let i = 0; chase && i < MAX_CHASE; i++) {
        const next = zone.lookup(chase, question.type);
        if (next) {
          answers.push(...next.answers);
          rcode = RCODE[next.rcode];
          chase = next.chase;
          continue;
        }
        const out = await this.resolveOutside(chase, question, transport).catch((e: unknown) => {
          this.log.debug('dns: cannot resolve an ExternalName target', { name: chase, error: e instanceof Error ? e.message : String(e) });
          return undefined;
        });
        if (out) {
          answers.push(...(out.answers ?? []));
          rcode = ((out.flags ?? 0) & 0xf) as number;
        }
        chase = undefined;
      }
      const authorities = answers.length === 0 ? [zone.soa()] : [];
      return this.reply(q, answers, additionals, rcode, transport, authorities, true);
    } catch (e) {
      this.log.debug('dns: cannot answer', { name: question.name, type: question.type, error: e instanceof Error ? e.message : String(e) });
      return this.reply(q, [], [], RCODE.SERVFAIL, transport);
    }
  }

  private async resolveOutside(name: string, question: Question, transport: 'udp' | 'tcp'): Promise<DecodedPacket> {
    const id = Math.floor(Math.random() * 65536);
    const query = packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ name, type: question.type, class: 'IN' }] });
    return packet.decode(await this.upstream.forward(query, transport));
  }

  private reply(q: DecodedPacket, answers: Answer[], additionals: Answer[], rcode: number, transport: 'udp' | 'tcp', authorities: Answer[] = [], authoritative = false): Buffer {
    const opt = (q.additionals ?? []).find((a) => a.type === 'OPT');
    const limit = transport === 'tcp' ? 65535 : Math.max(CLASSIC_UDP, opt && 'udpPayloadSize' in opt ? Math.min(opt.udpPayloadSize, 4096) : CLASSIC_UDP);
    const flags = (authoritative ? packet.AUTHORITATIVE_ANSWER : 0) | packet.RECURSION_AVAILABLE | ((q.flags ?? 0) & packet.RECURSION_DESIRED) | (rcode & 0xf);
    const edns: Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
    const res: Packet = { type: 'response', id: q.id ?? 0, flags, questions: q.questions ?? [], answers, authorities, additionals: [...additionals, ...edns] };
    let out = packet.encode(res);
    if (out.length <= limit) return out;
    // Too big for UDP: drop the extra records, then answers from the end, and say it was truncated.
    res.additionals = edns;
    res.authorities = [];
    res.flags = flags | packet.TRUNCATED_RESPONSE;
    const kept = [...answers];
    do {
      res.answers = kept;
      out = packet.encode(res);
    } while (out.length > limit && kept.pop());
    return out;
  }
}

/** An error answer built from the raw header of a query that does not decode (FORMERR, as CoreDNS). */
function encodeHeaderOnly(msg: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 4);
  out.writeUInt16BE((msg.readUInt16BE(2) & 0x7900) | 0x8000 | packet.RECURSION_AVAILABLE | rcode, 2);
  return out;
}
