/**
 * Kubernetes resource quantities (`100m`, `1.5Gi`, `2`, `1e3`, `500Mi`), as resource.Quantity parses
 * them. Values are kept as exact fractions of BigInts while parsing, so `100m` is exactly 100
 * millicores (floating point would make it 100.00000000000001 and round up to 101).
 *
 * Grammar: `[+-]?(digits[.digits]|.digits)` then one of: a binary suffix (Ki Mi Gi Ti Pi Ei), a
 * decimal suffix (n u m "" k M G T P E) or a decimal exponent (`e3`, `E-2`).
 */

/** value = num / den, den > 0. */
export interface ExactQuantity {
  num: bigint;
  den: bigint;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity exactly; undefined when it is not one. Numbers (YAML `cpu: 2`) are accepted. */
export function parseExact(input: unknown): ExactQuantity | undefined {
  if (typeof input !== 'string') return parseUncached(input);
  // The same few strings ("100m", "128Mi") are parsed again and again (schema walks, validation,
  // the scheduler's requests): their BigInt arithmetic is done once. Bounded: emptied when full.
  const hit = parsed.get(input);
  if (hit !== undefined) return hit ?? undefined;
  const q = parseUncached(input);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(input, q ? Object.freeze(q) : null);
  return q;
}

const PARSED_MAX = 4_096;
const parsed = new Map<string, Readonly<ExactQuantity> | null>();

function parseUncached(input: unknown): ExactQuantity | undefined {
  let s: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    s = String(input);
    // String(1e21) is "1e+21"; the grammar wants "1e21".
    s = s.replace('e+', 'e');
  } else if (typeof input === 'string') s = input.trim();
  else return undefined;
  const m = RE.exec(s);
  if (!m) return undefined;
  const [, sign, digits = '', suffix = ''] = m;
  const [intPart = '', frac = ''] = digits.split('.');
  let num = BigInt((intPart || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  let exp10 = 0;
  if (suffix in BINARY) num *= BINARY[suffix] as bigint;
  else if (suffix in DECIMAL) exp10 = DECIMAL[suffix] as number;
  else exp10 = Number(suffix.slice(1));
  if (!Number.isSafeInteger(exp10) || Math.abs(exp10) > 100) return undefined;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den *= 10n ** BigInt(-exp10);
  if (sign === '-') num = -num;
  return { num, den };
}

/** True when `input` is a valid quantity. */
export function isQuantity(input: unknown): boolean {
  return parseExact(input) !== undefined;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** A malformed quantity, with upstream's message. */
export class QuantityError extends Error {
  constructor(readonly input: unknown) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(input)}`);
    this.name = 'QuantityError';
  }
}

/** The value in base units as a float (`1.5Gi` -> 1610612736, `250m` -> 0.25). Throws on invalid input. */
export function parseQuantity(input: unknown): number {
  const q = parseExact(input);
  if (!q) throw new QuantityError(input);
  return Number(q.num) / Number(q.den);
}

/** Thousandths of the value, rounded up as Quantity.MilliValue does: CPU in millicores. */
export function milliValue(input: unknown): number {
  const q = parseExact(input);
  if (!q) throw new QuantityError(input);
  return Number(ceilDiv(q.num * 1000n, q.den));
}

/** The value rounded up to an integer as Quantity.Value does: memory and storage in bytes. */
export function integerValue(input: unknown): number {
  const q = parseExact(input);
  if (!q) throw new QuantityError(input);
  return Number(ceilDiv(q.num, q.den));
}

/** CPU quantity (`500m`, `2`, `0.5`) in millicores; undefined for a missing or invalid one. */
export function parseCpu(input: unknown): number | undefined {
  return parseExact(input) ? milliValue(input) : undefined;
}

/** Memory or storage quantity (`512Mi`, `1G`, `1e9`) in bytes; undefined for a missing or invalid one. */
export function parseMemory(input: unknown): number | undefined {
  return parseExact(input) ? integerValue(input) : undefined;
}

/** Millicores in canonical form: `250m`, `2`, `1500m`. */
export function formatCpu(millis: number): string {
  const m = Math.ceil(millis);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/**
 * Bytes in canonical form: the largest binary suffix that divides exactly (`1Gi`, `1536Mi`,
 * `16318460Ki`), else the largest exact decimal suffix (`1500M`), else plain bytes.
 */
export function formatMemory(bytes: number): string {
  const b = BigInt(Math.ceil(bytes));
  if (b === 0n) return '0';
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = BINARY[suffix] as bigint;
    if (b % unit === 0n) return `${b / unit}${suffix}`;
  }
  for (const suffix of ['E', 'P', 'T', 'G', 'M', 'k']) {
    const unit = 10n ** BigInt(DECIMAL[suffix] as number);
    if (b % unit === 0n) return `${b / unit}${suffix}`;
  }
  return String(b);
}

/** Compares two quantities exactly: negative, zero or positive. Throws on invalid input. */
export function compareQuantities(a: unknown, b: unknown): number {
  const x = parseExact(a);
  const y = parseExact(b);
  if (!x || !y) throw new Error('invalid quantity');
  const d = x.num * y.den - y.num * x.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
