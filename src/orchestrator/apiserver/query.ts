import { ApiError, errors } from '../api/errors.js';
import type { StatusCause } from '../api/types.js';

/**
 * Query parameters read exactly as kube-apiserver's parameter codec reads them
 * (k8s.io/apimachinery/pkg/runtime/conversion.go): a parameter given twice counts with its first
 * value; a boolean is false when absent, `0` or `false` in any case, and true for anything else
 * (`?watch`, `?watch=yes`, `?watch=True`); an integer is Go's `strconv.ParseInt(s, 10, 64)`, and
 * anything else is a 400 worded as Go words it.
 */

/** A `bool` option: absent is false. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  return queryOptionalBool(q, name) ?? false;
}

/** A `*bool` option: absent is undefined. */
export function queryOptionalBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * An `*int64` option: absent is undefined. Values beyond what a JS number holds exactly are
 * refused too (Go would accept them; they are far outside any meaningful timeout or count).
 */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return parseGoInt(v);
}

/** Go's `strconv.ParseInt(s, 10, 64)`; errors are 400s with Go's message. */
export function parseGoInt(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const big = BigInt(v);
  if (big > INT64_MAX || big < INT64_MIN) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  const n = Number(big);
  if (!Number.isSafeInteger(n)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range for this server (beyond 2^53)`);
  return n;
}

/** `true`/`false` for a parameter forwarded to a node's kubelet API, after the API server's own reading. */
export function forwardBool(q: URLSearchParams, name: string): string | undefined {
  const b = queryOptionalBool(q, name);
  return b === undefined ? undefined : String(b);
}

/** The `dryRun`, `fieldValidation` and `fieldManager` options of a write, validated as ValidateCreateOptions does. */
export function validateWriteQuery(q: URLSearchParams, kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions'): void {
  const causes: StatusCause[] = [];
  const dryRun = q.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: []string{${dryRun.map((d) => JSON.stringify(d)).join(', ')}}: supported values: "All"` });
  }
  if (kind !== 'DeleteOptions') {
    const fv = q.get('fieldValidation');
    if (fv !== null && fv !== '' && !['Ignore', 'Warn', 'Strict'].includes(fv)) {
      causes.push({ reason: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(fv)}: supported values: "Ignore", "Strict", "Warn"` });
    }
    const fm = q.get('fieldManager');
    if (fm !== null) {
      if (fm.length > 128) causes.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' });
      // unicode.IsPrint: no control characters.
      else if ([...fm].some((c) => /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(c))) {
        causes.push({ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${JSON.stringify(fm)}: may not contain non-printable characters` });
      }
    }
  }
  if (causes.length === 0) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, {
    group: 'meta.k8s.io',
    kind,
    causes,
  });
}
