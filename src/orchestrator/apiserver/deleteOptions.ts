import { ApiError, errors } from '../api/errors.js';
import type { StatusCause } from '../api/types.js';
import type { DeleteOptions } from '../client/types.js';
import { queryInt, queryOptionalBool } from './query.js';

const POLICIES = ['Foreground', 'Background', 'Orphan'] as const;
type Policy = (typeof POLICIES)[number];

/** What a DELETE asks for, from its body (a DeleteOptions) and its query, as kube-apiserver reads both. */
export type ParsedDelete = DeleteOptions & { dryRun?: boolean };

function decodeError(field: string, value: unknown, type: string): ApiError {
  const what = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? `number ${value}` : typeof value === 'boolean' ? 'bool' : typeof value;
  return errors.badRequest(`json: cannot unmarshal ${what} into Go struct field DeleteOptions.${field} of type ${type}`);
}

function int64(field: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw decodeError(field, v, 'int64');
  return v;
}

/**
 * A DELETE's options: the body's DeleteOptions (`propagationPolicy`, `orphanDependents`,
 * `gracePeriodSeconds`, `preconditions`, `dryRun`), then the query's, which win. Values of the wrong
 * type are a 400 (decoding), contradictions and unknown policies a 422 (ValidateDeleteOptions); a
 * negative grace period means 1 s, as on the delete path upstream.
 */
export function parseDeleteOptions(body: unknown, q: URLSearchParams): ParsedDelete {
  const out: ParsedDelete = {};
  if (body !== undefined) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type v1.DeleteOptions`);
    }
    const b = body as Record<string, unknown>;
    const p = b.propagationPolicy;
    if (p !== undefined && p !== null && typeof p !== 'string') throw decodeError('propagationPolicy', p, 'v1.DeletionPropagation');
    const orphan = b.orphanDependents;
    if (orphan !== undefined && orphan !== null && typeof orphan !== 'boolean') throw decodeError('orphanDependents', orphan, 'bool');
    validatePolicy(typeof p === 'string' ? p : undefined, typeof orphan === 'boolean' ? orphan : undefined);
    if (typeof p === 'string') out.propagationPolicy = p as Policy;
    else if (orphan === true) out.propagationPolicy = 'Orphan';
    const g = int64('gracePeriodSeconds', b.gracePeriodSeconds);
    if (g !== undefined) out.gracePeriodSeconds = g;
    const pre = b.preconditions;
    if (pre !== undefined && pre !== null) {
      if (typeof pre !== 'object' || Array.isArray(pre)) throw decodeError('preconditions', pre, 'v1.Preconditions');
      const { uid, resourceVersion } = pre as Record<string, unknown>;
      for (const [k, v] of [['uid', uid], ['resourceVersion', resourceVersion]] as const) {
        if (v !== undefined && v !== null && typeof v !== 'string') throw decodeError(`preconditions.${k}`, v, 'string');
      }
      out.preconditions = {
        ...(typeof uid === 'string' ? { uid } : {}),
        ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
      };
    }
    const dry = b.dryRun;
    if (dry !== undefined && dry !== null) {
      if (!Array.isArray(dry) || dry.some((d) => typeof d !== 'string')) throw decodeError('dryRun', dry, '[]string');
      if (dry.some((d) => d !== 'All')) throw invalid([{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: []string{${dry.map((d) => JSON.stringify(d)).join(', ')}}: supported values: "All"` }]);
      if (dry.length > 0) out.dryRun = true;
    }
  }
  const qp = q.get('propagationPolicy');
  const qo = queryOptionalBool(q, 'orphanDependents');
  if (qp !== null || qo !== undefined) {
    validatePolicy(qp ?? undefined, qo);
    if (qp !== null) out.propagationPolicy = qp as Policy;
    else if (qo === true) out.propagationPolicy = 'Orphan';
  }
  const qg = queryInt(q, 'gracePeriodSeconds');
  if (qg !== undefined) out.gracePeriodSeconds = qg;
  if (out.gracePeriodSeconds !== undefined && out.gracePeriodSeconds < 0) out.gracePeriodSeconds = 1;
  if (q.getAll('dryRun').includes('All')) out.dryRun = true;
  return out;
}

function validatePolicy(p: string | undefined, orphan: boolean | undefined): void {
  if (p !== undefined && orphan !== undefined) {
    throw invalid([{ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: ${JSON.stringify(p)}: orphanDependents and deletionPropagation cannot be both set` }]);
  }
  if (p !== undefined && !(POLICIES as readonly string[]).includes(p)) {
    throw invalid([{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan", "nil"` }]);
  }
}

function invalid(causes: StatusCause[]): ApiError {
  const c = causes[0] as StatusCause;
  return new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: ${c.field}: ${c.message}`, { group: 'meta.k8s.io', kind: 'DeleteOptions', causes });
}
