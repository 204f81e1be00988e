import * as packet from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveryEndpointSlice, Service } from '../../api/types.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { Forwarder, type Upstream } from './forwarder.js';
import { DnsServer } from './server.js';
import { ClusterZone } from './zone.js';

const services: Service[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'shop' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'many', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'search', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'search.example.com' } },
];
const slices: DiscoveryEndpointSlice[] = [
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'many-x', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'many' } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.1.${i + 2}`] })),
  },
];
const zone = new ClusterZone({ services, slices });

/** An upstream that answers every A question with 192.0.2.1, TTL 1234, and remembers what it was asked. */
class CannedUpstream implements Upstream {
  readonly asked: { name: string; transport: string }[] = [];
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    const q = packet.decode(query);
    const question = q.questions?.[0];
    this.asked.push({ name: question?.name ?? '', transport });
    return packet.encode({ type: 'response', id: q.id ?? 0, flags: packet.RECURSION_AVAILABLE, questions: q.questions ?? [], answers: [{ name: question?.name ?? '', type: 'A', class: 'IN', ttl: 1234, data: '192.0.2.1' }] });
  }
}

function query(name: string, type: 'A' | 'SRV' | 'AAAA' | 'PTR' = 'A', edns = false): Buffer {
  return packet.encode({
    type: 'query',
    id: 4242,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...(edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Answer] } : {}),
  });
}

const rcode = (p: DecodedPacket) => (p as DecodedPacket & { rcode?: string }).rcode;

describe('DNS server', () => {
  const servers: DnsServer[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('answers cluster names authoritatively with the query\'s id, RD copied and RA set', async () => {
    const s = new DnsServer(() => zone, new CannedUpstream(), silentLogger);
    const out = packet.decode((await s.handle(query('backend.shop.svc.cluster.local'), 'udp')) as Buffer);
    expect(out.id).toBe(4242);
    expect(out.flag_aa && out.flag_rd && out.flag_ra && out.flag_qr).toBe(true);
    expect(rcode(out)).toBe('NOERROR');
    expect(out.answers).toEqual([expect.objectContaining({ name: 'backend.shop.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.0.50' })]);
  });

  it('says NXDOMAIN with the zone\'s SOA for unknown cluster names, without asking upstream', async () => {
    const up = new CannedUpstream();
    const s = new DnsServer(() => zone, up, silentLogger);
    const out = packet.decode((await s.handle(query('nope.shop.svc.cluster.local'), 'udp')) as Buffer);
    expect(rcode(out)).toBe('NXDOMAIN');
    expect(out.authorities?.[0]).toMatchObject({ type: 'SOA', name: 'cluster.local' });
    expect(up.asked).toEqual([]);
  });

  it('forwards other names as they are and passes the upstream\'s answer (and TTL) through', async () => {
    const up = new CannedUpstream();
    const s = new DnsServer(() => zone, up, silentLogger);
    const out = packet.decode((await s.handle(query('example.org'), 'tcp')) as Buffer);
    expect(up.asked).toEqual([{ name: 'example.org', transport: 'tcp' }]);
    expect(out.answers).toEqual([expect.objectContaining({ data: '192.0.2.1', ttl: 1234 })]);
    expect(out.id).toBe(4242);
  });

  it('follows an ExternalName CNAME to the upstream', async () => {
    const up = new CannedUpstream();
    const s = new DnsServer(() => zone, up, silentLogger);
    const out = packet.decode((await s.handle(query('search.shop.svc.cluster.local'), 'udp')) as Buffer);
    expect(out.answers?.map((a) => [a.type, 'data' in a ? a.data : undefined])).toEqual([
      ['CNAME', 'search.example.com'],
      ['A', '192.0.2.1'],
    ]);
    expect(up.asked[0]?.name).toBe('search.example.com');
  });

  it('truncates a UDP answer larger than 512 bytes (or the EDNS size) and answers in full over TCP', async () => {
    const s = new DnsServer(() => zone, new CannedUpstream(), silentLogger);
    const udp = (await s.handle(query('many.shop.svc.cluster.local'), 'udp')) as Buffer;
    expect(udp.length).toBeLessThanOrEqual(512);
    const u = packet.decode(udp);
    expect(u.flag_tc).toBe(true);
    expect((u.answers ?? []).length).toBeLessThan(60);
    const edns = packet.decode((await s.handle(query('many.shop.svc.cluster.local', 'A', true), 'udp')) as Buffer);
    expect(edns.flag_tc).toBe(false);
    expect(edns.answers).toHaveLength(60);
    const tcp = packet.decode((await s.handle(query('many.shop.svc.cluster.local'), 'tcp')) as Buffer);
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
  });

  it('answers FORMERR to a query it cannot decode, and nothing to a runt', async () => {
    const s = new DnsServer(() => zone, new CannedUpstream(), silentLogger);
    const bad = Buffer.concat([query('x.example').subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
    const out = (await s.handle(bad, 'udp')) as Buffer;
    expect(out.readUInt16BE(0)).toBe(4242);
    expect(out.readUInt16BE(2) & 0xf).toBe(1);
    expect(await s.handle(Buffer.from([1, 2, 3]), 'udp')).toBeUndefined();
  });

  it('serves UDP and TCP on real sockets, and a Forwarder reaches another server over both', async () => {
    const upstreamServer = new DnsServer(() => new ClusterZone({ domain: 'example.com', services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'b' }, spec: { clusterIP: '10.96.0.77' } }], slices: [] }), new CannedUpstream(), silentLogger);
    servers.push(upstreamServer);
    await upstreamServer.listen('127.0.0.1', 0);
    const up = upstreamServer.ports();
    if (!up) throw new Error('no ports');
    // The first upstream never answers (a bound socket that reads nothing): the Forwarder moves on.
    const hole = createSocket('udp4');
    await new Promise<void>((r) => hole.bind(0, '127.0.0.1', () => r()));
    const holePort = hole.address().port;
    const udpOnly = new Forwarder(() => [{ host: '127.0.0.1', port: holePort }, { host: '127.0.0.1', port: up.udp }], systemClock, 1_000);
    const s = new DnsServer(() => zone, udpOnly, silentLogger);
    servers.push(s);
    await s.listen('127.0.0.1', 0);
    const ports = s.ports();
    if (!ports) throw new Error('no ports');
    const viaUdp = await udpAsk(ports.udp, query('a.b.svc.example.com'));
    hole.close();
    expect(viaUdp.answers).toEqual([expect.objectContaining({ data: '10.96.0.77', ttl: 30 })]);
    const local = await tcpAsk(ports.tcp, query('backend.shop.svc.cluster.local'));
    expect(local.answers).toEqual([expect.objectContaining({ data: '10.96.0.50' })]);
    const viaTcp = await new Forwarder(() => [{ host: '127.0.0.1', port: up.tcp }], systemClock).forward(query('a.b.svc.example.com'), 'tcp');
    expect(packet.decode(viaTcp).answers).toEqual([expect.objectContaining({ data: '10.96.0.77' })]);
  });
});

function udpAsk(port: number, q: Buffer): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.on('error', reject);
    sock.on('message', (m) => {
      sock.close();
      resolve(packet.decode(m));
    });
    sock.send(q, port, '127.0.0.1');
  });
}

function tcpAsk(port: number, q: Buffer): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(packet.decode(buf.subarray(2)));
      }
    });
    sock.write(packet.streamEncode({ ...packet.decode(q) }));
  });
}
