import { errors } from '../errors.js';

/**
 * JSON merge patch (RFC 7386): objects merge recursively, `null` deletes, anything else replaces.
 * A key `__proto__` is refused: assigning it would replace an object's prototype (the API refuses
 * such bodies before they get here; this keeps every other caller safe too).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (k === '__proto__') throw errors.badRequest('the key "__proto__" is not accepted');
    if (v === null) delete out[k];
    else out[k] = mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v);
  }
  return out;
}
