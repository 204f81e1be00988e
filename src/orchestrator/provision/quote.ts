/**
 * Shell quoting for commands sent over SSH. Untrusted strings never reach a shell unquoted: a command
 * is fixed words written in the source plus values, and every value goes through `shQuote`.
 */

/** Quotes one value for a POSIX shell: `'…'`, with each `'` written as `'\''`. Always safe, even for ''. */
export function shQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A value `sh` inserts as-is: only for command text built by this module's callers from fixed words. */
export class Raw {
  constructor(readonly text: string) {}
}

/**
 * Builds a command from a template: the literal parts are fixed words; each interpolated value is
 * quoted (arrays become several quoted words, numbers are checked to be finite, `Raw` is trusted
 * text, typically another `sh` result).
 *
 *   sh`docker rm -f ${ids}`  ->  docker rm -f 'a1' 'b2'
 */
export function sh(strings: TemplateStringsArray, ...values: (string | number | readonly string[] | Raw)[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += quoteValue(v) + (strings[i + 1] ?? '');
  });
  return out;
}

function quoteValue(v: string | number | readonly string[] | Raw): string {
  if (v instanceof Raw) return v.text;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return shQuote(v);
  return v.map(shQuote).join(' ');
}

/** Marks the result of `sh` (or a fixed string) as trusted text to nest it in another `sh`. */
export function raw(text: string): Raw {
  return new Raw(text);
}
