import { POD_NETWORK_BACKENDS, type PodNetworkBackend } from '../../api/clusterNetwork.js';
import { isIPv4, parseCidr } from '../../util/cidr.js';
import type { HeldPort, HostNetDesired, Peer, Rule, Table, Target } from './types.js';
import { isWireGuardKey } from './wgKeys.js';

/**
 * The component's boundary: everything it is asked to do arrives as JSON (over its socket, or
 * in-process) and is checked here before any of it reaches `ip` or `iptables-restore`. A value that
 * does not fit its field is refused with an Error naming the field, and nothing is applied.
 */

type Obj = Record<string, unknown>;

class Invalid extends Error {
  override name = 'InvalidHostNetRequest';
}

function fail(field: string, why: string): never {
  throw new Invalid(`${field}: ${why}`);
}

function obj(v: unknown, field: string): Obj {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(field, 'must be an object');
  return v as Obj;
}

function str(v: unknown, field: string, re?: RegExp): string {
  if (typeof v !== 'string' || !v) fail(field, 'must be a non-empty string');
  if (re && !re.test(v)) fail(field, `${JSON.stringify(v)} is not allowed here`);
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer in ${min}..${max}`);
  return v;
}

const NODE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A chain suffix: with `SK` + 6 + `-` in front it stays within iptables' 28 characters. */
const CHAIN = /^[A-Z0-9][A-Z0-9-]{0,18}$/;
/** Comments go inside double quotes in restore lines: printable ASCII without quotes or backslashes. */
const COMMENT = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{0,200}$/;

export function nodeName(v: unknown, field = 'node'): string {
  const s = str(v, field);
  if (s.length > 253 || !NODE.test(s)) fail(field, `${JSON.stringify(s)} is not a node name`);
  return s;
}

function cidr(v: unknown, field: string): string {
  const s = str(v, field);
  try {
    parseCidr(s);
  } catch (e) {
    fail(field, e instanceof Error ? e.message : String(e));
  }
  return s;
}

function ip(v: unknown, field: string): string {
  const s = str(v, field);
  if (!isIPv4(s)) fail(field, `${JSON.stringify(s)} is not an IPv4 address`);
  return s;
}

function address(v: unknown, field: string): string {
  const s = str(v, field);
  return s.includes('/') ? cidr(s, field) : ip(s, field);
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(field, 'must be true or false');
  return v;
}

export function validateDesired(raw: unknown): HostNetDesired {
  const o = obj(raw, 'desired');
  const vx = obj(o.vxlan, 'vxlan');
  const d: HostNetDesired = {
    node: nodeName(o.node),
    clusterCIDR: cidr(o.clusterCIDR, 'clusterCIDR'),
    nodeIP: ip(o.nodeIP, 'nodeIP'),
    backend: str(o.backend, 'backend') as PodNetworkBackend,
    vxlan: { vni: int(vx.vni, 'vxlan.vni', 1, 0xfffffe), port: int(vx.port, 'vxlan.port', 1, 65535), ...(vx.mtu !== undefined ? { mtu: int(vx.mtu, 'vxlan.mtu', 576, 9000) } : {}) },
    peers: [],
    rules: [],
  };
  if (!POD_NETWORK_BACKENDS.includes(d.backend)) fail('backend', `must be one of ${POD_NETWORK_BACKENDS.join(', ')}`);
  if (o.podCIDR !== undefined) d.podCIDR = cidr(o.podCIDR, 'podCIDR');
  // A network device name (IFNAMSIZ), and never an option to `ip`.
  if (o.podBridge !== undefined) d.podBridge = str(o.podBridge, 'podBridge', /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/);
  if (o.trustedNetworks !== undefined) {
    if (!Array.isArray(o.trustedNetworks)) fail('trustedNetworks', 'must be a list');
    d.trustedNetworks = o.trustedNetworks.map((t, i) => cidr(t, `trustedNetworks[${i}]`));
  }
  if (o.wireguard !== undefined) {
    const wg = obj(o.wireguard, 'wireguard');
    // The key's value never goes into a message.
    if (!isWireGuardKey(wg.privateKey)) fail('wireguard.privateKey', 'must be a WireGuard key (base64 of 32 bytes)');
    d.wireguard = { port: int(wg.port, 'wireguard.port', 1, 65535), privateKey: wg.privateKey, ...(wg.mtu !== undefined ? { mtu: int(wg.mtu, 'wireguard.mtu', 576, 9000) } : {}) };
  }
  if (d.backend === 'wireguard' && !d.wireguard) fail('wireguard', 'is required with backend wireguard');
  if (!Array.isArray(o.peers)) fail('peers', 'must be a list');
  d.peers = o.peers.map((p, i): Peer => {
    const po = obj(p, `peers[${i}]`);
    const peer: Peer = { node: nodeName(po.node, `peers[${i}].node`), podCIDR: cidr(po.podCIDR, `peers[${i}].podCIDR`), nodeIP: ip(po.nodeIP, `peers[${i}].nodeIP`) };
    if (po.publicKey !== undefined) peer.publicKey = isWireGuardKey(po.publicKey) ? po.publicKey : fail(`peers[${i}].publicKey`, `${JSON.stringify(String(po.publicKey).slice(0, 60))} is not a WireGuard key (base64 of 32 bytes)`);
    return peer;
  });
  if (!Array.isArray(o.rules)) fail('rules', 'must be a list');
  d.rules = o.rules.map((r, i) => validateRule(r, `rules[${i}]`));
  return d;
}

const TABLES: readonly Table[] = ['nat', 'filter'];
const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
const CTSTATES = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID'] as const;
const PLAIN_TARGETS = ['ACCEPT', 'DROP', 'RETURN', 'MASQUERADE', 'REJECT'] as const;

export function validateRule(raw: unknown, at: string): Rule {
  const o = obj(raw, at);
  const table = str(o.table, `${at}.table`) as Table;
  if (!TABLES.includes(table)) fail(`${at}.table`, 'must be nat or filter');
  const r: Rule = { table, chain: str(o.chain, `${at}.chain`, CHAIN), target: validateTarget(o.target, `${at}.target`, table) };
  if (o.comment !== undefined) r.comment = typeof o.comment === 'string' && COMMENT.test(o.comment) ? o.comment : fail(`${at}.comment`, 'must be printable text without quotes or backslashes, at most 200 characters');
  if (o.protocol !== undefined) {
    const p = str(o.protocol, `${at}.protocol`) as Rule['protocol'];
    if (!PROTOCOLS.includes(p as (typeof PROTOCOLS)[number])) fail(`${at}.protocol`, 'must be tcp, udp or sctp');
    r.protocol = p;
  }
  if (o.source !== undefined) r.source = address(o.source, `${at}.source`);
  if (o.destination !== undefined) r.destination = address(o.destination, `${at}.destination`);
  const ns = bool(o.notSource, `${at}.notSource`);
  if (ns) r.notSource = true;
  const nd = bool(o.notDestination, `${at}.notDestination`);
  if (nd) r.notDestination = true;
  if (o.dport !== undefined) {
    r.dport = int(o.dport, `${at}.dport`, 1, 65535);
    if (!r.protocol) fail(`${at}.dport`, 'needs a protocol');
  }
  if (o.dportEnd !== undefined) {
    if (r.dport === undefined) fail(`${at}.dportEnd`, 'needs a dport');
    r.dportEnd = int(o.dportEnd, `${at}.dportEnd`, r.dport, 65535);
  }
  if (o.srcType !== undefined) r.srcType = str(o.srcType, `${at}.srcType`, /^LOCAL$/) as 'LOCAL';
  if (bool(o.notSrcType, `${at}.notSrcType`)) r.notSrcType = true;
  if (o.dstType !== undefined) r.dstType = str(o.dstType, `${at}.dstType`, /^LOCAL$/) as 'LOCAL';
  if (o.ctstate !== undefined) {
    if (!Array.isArray(o.ctstate) || !o.ctstate.length || !o.ctstate.every((s) => CTSTATES.includes(s as (typeof CTSTATES)[number]))) fail(`${at}.ctstate`, `must list some of ${CTSTATES.join(', ')}`);
    r.ctstate = o.ctstate as Rule['ctstate'];
  }
  if (o.mark !== undefined) {
    const m = obj(o.mark, `${at}.mark`);
    r.mark = { value: int(m.value, `${at}.mark.value`, 0, 0xffffffff), mask: int(m.mask, `${at}.mark.mask`, 1, 0xffffffff), ...(bool(m.not, `${at}.mark.not`) ? { not: true } : {}) };
  }
  if (o.probability !== undefined) {
    if (typeof o.probability !== 'number' || !(o.probability > 0 && o.probability < 1)) fail(`${at}.probability`, 'must be between 0 and 1');
    r.probability = o.probability;
  }
  if (o.recent !== undefined) {
    const rc = obj(o.recent, `${at}.recent`);
    const name = str(rc.name, `${at}.recent.name`, CHAIN);
    if (rc.op === 'set') r.recent = { name, op: 'set' };
    else if (rc.op === 'rcheck') r.recent = { name, op: 'rcheck', seconds: int(rc.seconds, `${at}.recent.seconds`, 1, 86_400) };
    else fail(`${at}.recent.op`, 'must be set or rcheck');
  }
  if (r.target.kind === 'DNAT' && !r.protocol) fail(`${at}.protocol`, 'a DNAT to a port needs a protocol');
  return r;
}

function validateTarget(raw: unknown, at: string, table: Table): Target {
  const o = obj(raw, at);
  const kind = str(o.kind, `${at}.kind`);
  if ((PLAIN_TARGETS as readonly string[]).includes(kind)) {
    if (kind === 'MASQUERADE' && table !== 'nat') fail(at, 'MASQUERADE belongs in the nat table');
    if ((kind === 'DROP' || kind === 'REJECT') && table === 'nat') fail(at, `${kind} belongs in the filter table`);
    return { kind: kind as (typeof PLAIN_TARGETS)[number] } as Target;
  }
  switch (kind) {
    case 'jump':
      return { kind: 'jump', chain: str(o.chain, `${at}.chain`, CHAIN) };
    case 'DNAT': {
      if (table !== 'nat') fail(at, 'DNAT belongs in the nat table');
      const to = str(o.to, `${at}.to`);
      const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(to);
      if (!m || !isIPv4(m[1] as string) || Number(m[2]) < 1 || Number(m[2]) > 65535) fail(`${at}.to`, `${JSON.stringify(to)} is not an address:port`);
      return { kind: 'DNAT', to };
    }
    case 'MARK':
      if (o.or !== undefined) return { kind: 'MARK', or: int(o.or, `${at}.or`, 1, 0xffffffff) };
      return { kind: 'MARK', xor: int(o.xor, `${at}.xor`, 1, 0xffffffff) };
    default:
      fail(`${at}.kind`, `${JSON.stringify(kind)} is not a target the component renders`);
  }
}

export function validatePorts(raw: unknown): HeldPort[] {
  if (!Array.isArray(raw)) fail('ports', 'must be a list');
  return raw.map((p, i) => {
    const o = obj(p, `ports[${i}]`);
    const protocol = str(o.protocol, `ports[${i}].protocol`, /^(TCP|UDP)$/) as 'TCP' | 'UDP';
    const owner = typeof o.owner === 'string' ? o.owner.slice(0, 300) : '';
    return { port: int(o.port, `ports[${i}].port`, 1, 65535), protocol, owner };
  });
}
