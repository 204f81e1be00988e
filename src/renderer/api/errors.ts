import type { StatusCause } from '../../orchestrator/api/types.js';
import { isStatus, statusCauses } from './guards.js';

/**
 * Any failed API call. Carries the Kubernetes Status fields the UI shows: the message, the reason and
 * each failing field (`details.causes`), so a rejected manifest says exactly what was wrong.
 */
export class ApiRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** Builds the error for a non-2xx response from its (already read) body text. */
export function errorFromResponse(code: number, statusText: string, bodyText: string): ApiRequestError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  if (isStatus(body)) {
    return new ApiRequestError(code, body.message ?? `${code} ${body.reason ?? statusText}`, body.reason, statusCauses(body));
  }
  const text = bodyText.trim().slice(0, 300);
  return new ApiRequestError(code, text ? `${code} ${statusText}: ${text}` : `${code} ${statusText}`);
}

/** A readable one-line message for anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
