import type { Status, StatusCause } from './types.js';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'TooManyRequests'
  | 'Timeout';

/**
 * The one error type of the orchestrator: everything the API refuses is an ApiError, and it turns
 * into a Kubernetes `Status` unchanged on the wire. Code outside the API layer throws it too (the
 * in-process client surfaces exactly what an HTTP client would).
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details: Status['details'] = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    // Every NotFound carries details, empty or not: clients read them without a nil check
    // (kubectl debug's `serr.ErrStatus.Details.Name` panicked on a 404 without them).
    if (this.details && (Object.keys(this.details).length > 0 || this.code === 404)) s.details = this.details;
    return s;
  }

  static fromStatus(s: Status): ApiError {
    return new ApiError(s.code, (s.reason ?? 'InternalError') as StatusReason, s.message ?? 'unknown error', s.details ?? {});
  }
}

export interface ResourceId {
  /** API group, '' for core. */
  group: string;
  /** Plural resource name, e.g. `pods`. */
  resource: string;
  kind: string;
}

function qualified(r: ResourceId): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export const errors = {
  notFound(r: ResourceId, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.resource });
  },
  alreadyExists(r: ResourceId, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.resource });
  },
  conflict(r: ResourceId, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
      name,
      group: r.group,
      kind: r.resource,
    });
  },
  /**
   * 422 with one cause per failing field, named by the group-qualified kind as kube-apiserver's
   * `NewInvalid` does (`Pod "p"`, `CronJob.batch "c"`); kubectl prints `The Kind "name" is invalid: field: msg`.
   */
  invalid(r: ResourceId, name: string, causes: StatusCause[]): ApiError {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : `${c.message}`));
    const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    const kind = r.group ? `${r.kind}.${r.group}` : r.kind;
    return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, {
      name,
      group: r.group,
      kind: r.kind,
      causes,
    });
  },
  badRequest(message: string, causes?: StatusCause[]): ApiError {
    return new ApiError(400, 'BadRequest', message, causes ? { causes } : {});
  },
  unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  },
  forbidden(user: string, verb: string, r: ResourceId, namespace: string | undefined, name?: string, subresource?: string): ApiError {
    const what = qualified(r);
    const scope = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    const named = name ? ` "${name}"` : '';
    const resource = subresource ? `${r.resource}/${subresource}` : r.resource;
    return new ApiError(403, 'Forbidden', `${what}${named} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${r.group}"${scope}`, {
      name,
      group: r.group,
      kind: r.resource,
    });
  },
  methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  },
  expired(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  tooLarge(limit: number): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  },
  unsupportedMediaType(type: string): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${type})`);
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
  unavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message);
  },
};

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}
export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409;
}
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'AlreadyExists';
}
export function isForbidden(e: unknown): boolean {
  return e instanceof ApiError && e.code === 403;
}
