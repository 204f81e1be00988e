import type { StatusCause } from '../types.js';
import { showValue } from './schemaCheck.js';

/**
 * Builders of StatusCauses worded as k8s.io/apimachinery/pkg/util/validation/field words them, so
 * `kubectl` prints `spec.replicas: Invalid value: -1: must be greater than or equal to 0` exactly as
 * against a real cluster. Plus small readers for untyped input (objects may hold anything before
 * validation).
 */

export function required(field: string, detail = ''): StatusCause {
  return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field };
}

export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${showValue(value)}: ${detail}`, field };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${showValue(value)}: supported values: ${list}`, field };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${showValue(value)}`, field };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
}

export function notFound(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueNotFound', message: `Not found: ${showValue(value)}`, field };
}

export function tooLong(field: string, max: number): StatusCause {
  return { reason: 'FieldValueTooLong', message: `Too long: must have at most ${max} bytes`, field };
}

export function immutable(field: string, value: unknown): StatusCause {
  return invalid(field, value, 'field is immutable');
}

/** One cause per message of a syntax checker (names.ts). */
export function each(field: string, value: string, messages: string[]): StatusCause[] {
  return messages.map((m) => invalid(field, value, m));
}

export function enumOf(field: string, value: unknown, allowed: readonly string[]): StatusCause[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' && allowed.includes(value) ? [] : [notSupported(field, value, allowed)];
}

/** Go's `%#v` of a map[string]string, as it appears in selector messages. */
export function goStringMap(m: Record<string, unknown> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

// ---- readers of untyped input ----

export type Obj = Record<string, unknown>;

export function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Non-negative integer check: `must be greater than or equal to 0`. */
export function nonNegative(field: string, v: unknown): StatusCause[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];
}

export function positive(field: string, v: unknown): StatusCause[] {
  return typeof v === 'number' && v <= 0 ? [invalid(field, v, 'must be greater than 0')] : [];
}
