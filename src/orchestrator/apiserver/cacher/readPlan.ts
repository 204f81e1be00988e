import { ApiError, errors } from '../../api/errors.js';
import type { Status, StatusCause } from '../../api/types.js';
import { decodeContinue } from './continueToken.js';

/** How fresh a read must be, as kube-apiserver's storage names it (storage/read_consistency). */
export type Consistency =
  /** At least the store's current revision: every acknowledged write is seen (`resourceVersion=""`). */
  | { kind: 'consistent' }
  /** Whatever the cache holds now (`resourceVersion="0"`). */
  | { kind: 'any' }
  /** At least revision `rv` (`resourceVersion=N`, `resourceVersionMatch=NotOlderThan`). */
  | { kind: 'notOlderThan'; rv: number }
  /** Exactly revision `rv` (`resourceVersionMatch=Exact`, a paged legacy list at N, a continue token). */
  | { kind: 'exact'; rv: number };

/** A list's parameters, as the query carries them. */
export interface ListParams {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

export interface ReadPlan {
  consistency: Consistency;
  /** First key to read (inclusive); the list prefix when not continuing. */
  startKey: string;
  limit?: number;
  /** True when continuing a list: a too-old revision is then the "continue parameter is too old" 410. */
  continuing: boolean;
}

/**
 * Validates a list's options as kube-apiserver does (ValidateListOptions, then the storage layer's
 * ListReadConsistency) and says how the read must be served. Errors: 422 `ListOptions.meta.k8s.io
 * "" is invalid` for forbidden combinations, 400 for a bad version or continue token.
 */
export function planRead(p: ListParams, keyPrefix: string): ReadPlan {
  const rv = p.resourceVersion ?? '';
  const match = p.resourceVersionMatch ?? '';
  const causes: StatusCause[] = [];
  const forbid = (message: string) => causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, field: 'resourceVersionMatch' });
  if (match) {
    if (!rv) forbid('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (p.continue) forbid('resourceVersionMatch is forbidden when continue is provided');
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`, field: 'resourceVersionMatch' });
    }
    if (match === 'Exact' && rv === '0') forbid('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (causes.length) {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    throw new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, { group: 'meta.k8s.io', kind: 'ListOptions', causes });
  }
  // As the storage layer: a limit of 0 or less (or absurdly large) is no limit.
  const limit = p.limit !== undefined && Number.isSafeInteger(p.limit) && p.limit > 0 ? p.limit : undefined;
  if (p.continue) {
    const c = decodeContinue(p.continue, keyPrefix);
    if (rv && rv !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
    return { consistency: c.rv > 0 ? { kind: 'exact', rv: c.rv } : { kind: 'consistent' }, startKey: c.startKey, limit, continuing: true };
  }
  const base = { startKey: keyPrefix, limit, continuing: false };
  if (!rv) return { ...base, consistency: { kind: 'consistent' } };
  const n = parseVersion(rv);
  if (n === 0) return { ...base, consistency: { kind: 'any' } };
  // A paged list at N without a match is a legacy exact read.
  if (match === 'Exact' || (match === '' && limit !== undefined)) return { ...base, consistency: { kind: 'exact', rv: n } };
  return { ...base, consistency: { kind: 'notOlderThan', rv: n } };
}

/** A resourceVersion as the store's revision; anything but a non-negative integer is a 400. */
export function parseVersion(rv: string): number {
  const n = /^\d{1,16}$/.test(rv) ? Number(rv) : NaN;
  if (!Number.isSafeInteger(n)) throw errors.badRequest(`invalid resourceVersion "${rv}"`);
  return n;
}

/** kube-apiserver's answer to a read at a revision not reached (the cache) or not yet written (the store). */
export function tooLarge(rev: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${rev}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/**
 * 410 for a read at revision `rev` older than the history kept (`compacted` and older are gone). A
 * continued list gets kube-apiserver's "continue parameter is too old" with a token that resumes at
 * the same key at the latest revision; any other read "too old resource version".
 */
export function tooOld(plan: ReadPlan, keyPrefix: string, rev: number, compacted: number): ApiError {
  if (!plan.continuing) return errors.expired(`too old resource version: ${rev} (${compacted + 1})`);
  // Its start is the old start, which already ends past the last key seen.
  const token = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: -1, start: plan.startKey.slice(keyPrefix.length) })).toString('base64url');
  return new ContinueExpired(token);
}

class ContinueExpired extends ApiError {
  constructor(private readonly token: string) {
    super(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
  }
  override toStatus(): Status {
    return { ...super.toStatus(), metadata: { continue: this.token } };
  }
}
