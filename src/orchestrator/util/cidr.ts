/**
 * IPv4 addresses and CIDR blocks as numbers: parsing, containment, overlap, and carving a block into
 * subnets. Pure; shared by the control plane (node IPAM, the service allocator, settings) and the
 * agent (pod network, proxy rules, route planning). IPv6 is not supported yet: every parser here
 * refuses it with a message that says so.
 */

export interface Cidr {
  /** The network address as an unsigned 32-bit number (host bits zero). */
  base: number;
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `10.42.0.1` -> its number; undefined when it is not a dotted-quad IPv4 address. */
export function parseIPv4(text: string): number | undefined {
  const m = IPV4.exec(text.trim());
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    const digits = m[i] as string;
    if (o > 255 || (digits.length > 1 && digits.startsWith('0'))) return undefined;
    n = n * 256 + o;
  }
  return n;
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The number of addresses in a block. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/**
 * Parses `a.b.c.d/n`. Throws an Error saying what is wrong (IPv6, no prefix, host bits set), so a
 * setting or a field can report it as it is.
 */
export function parseCidr(text: string): Cidr {
  const t = text.trim();
  if (t.includes(':')) throw new Error(`${JSON.stringify(text)} is an IPv6 block; Skiff supports IPv4 only for now`);
  const [addr, len, extra] = t.split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,2}$/.test(len)) throw new Error(`${JSON.stringify(text)} is not a CIDR block like 10.42.0.0/16`);
  const prefix = Number(len);
  const base = parseIPv4(addr ?? '');
  if (base === undefined || prefix > 32) throw new Error(`${JSON.stringify(text)} is not a CIDR block like 10.42.0.0/16`);
  if ((base & ~maskOf(prefix)) >>> 0 !== 0) {
    throw new Error(`${JSON.stringify(text)} has host bits set: did you mean ${formatCidr({ base: (base & maskOf(prefix)) >>> 0, prefix })}?`);
  }
  return { base, prefix };
}

/**
 * `a.b.c.d/n` with host bits allowed and cleared (`10.1.2.3/8` -> 10.0.0.0/8), as Go's
 * `ParseCIDR` reads Service fields such as `loadBalancerSourceRanges`; undefined when it is not an
 * IPv4 block.
 */
export function parseCidrLoose(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32) return undefined;
  const ip = parseIPv4(addr ?? '');
  if (ip === undefined) return undefined;
  const prefix = Number(len);
  return { base: (ip & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** True when the address (a number or text) lies in the block. */
export function contains(c: Cidr, ip: number | string): boolean {
  const n = typeof ip === 'string' ? parseIPv4(ip) : ip;
  return n !== undefined && (n & maskOf(c.prefix)) >>> 0 === c.base;
}

/** True when `inner` lies wholly inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.base);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return within(a, b) || within(b, a);
}

/** The `index`-th address of the block (0 is the network address). */
export function addressAt(c: Cidr, index: number): number {
  if (index < 0 || index >= size(c)) throw new Error(`address ${index} is outside ${formatCidr(c)}`);
  return c.base + index;
}

/**
 * The `index`-th subnet of length `prefix` inside `c` (`10.42.0.0/16`, 24, 3 -> `10.42.3.0/24`).
 * Throws when the block has no such subnet.
 */
export function subnetAt(c: Cidr, prefix: number, index: number): Cidr {
  if (prefix < c.prefix || prefix > 32) throw new Error(`a /${prefix} does not fit in ${formatCidr(c)}`);
  const count = 2 ** (prefix - c.prefix);
  if (index < 0 || index >= count) throw new Error(`${formatCidr(c)} has ${count} /${prefix} subnets; ${index} is out of range`);
  return { base: c.base + index * 2 ** (32 - prefix), prefix };
}

/** How many subnets of length `prefix` the block holds. */
export function subnetCount(c: Cidr, prefix: number): number {
  return prefix < c.prefix ? 0 : 2 ** (prefix - c.prefix);
}

/** The gateway of a pod subnet: its first usable address (`10.42.3.0/24` -> `10.42.3.1`). */
export function gatewayOf(c: Cidr): string {
  return formatIPv4(addressAt(c, 1));
}
