import jsonpatch, { type Operation } from 'fast-json-patch';
import { ApiError, errors } from '../errors.js';
import type { ResourceType } from '../resources.js';
import { schemaFor } from '../schema/index.js';
import type { KubeObject } from '../types.js';
import { mergePatch } from './mergePatch.js';
import { strategicMergePatch } from './strategicMerge.js';

/** The four PATCH content types, by the name clients use (`apply` is server-side apply). */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export { mergePatch } from './mergePatch.js';
export { strategicMergePatch } from './strategicMerge.js';

/** Applies a PATCH body of the given type to `current`, returning a new object. Throws 400/422 ApiErrors. */
export function applyPatch(type: PatchType, r: ResourceType, current: KubeObject, patch: unknown): KubeObject {
  switch (type) {
    case 'merge':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw errors.badRequest('merge patch must be a JSON object');
      return mergePatch(current, patch) as KubeObject;
    case 'strategic':
      return strategicMergePatch(current, patch, schemaFor(r)) as KubeObject;
    case 'json':
      return applyJsonPatch(current, patch);
    case 'apply':
      // Server-side apply: merge the applied configuration (field ownership tracking lives in apiserver/).
      return strategicMergePatch(current, patch, schemaFor(r)) as KubeObject;
  }
}

/** kube-apiserver's limit on the operations of one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;
/** What `copy` operations may duplicate in all: each copies a value, so without a bound a few dozen double the object each. */
export const MAX_JSON_PATCH_COPIED = 3 * 1024 * 1024;

/** RFC 6902 JSON patch, bounded in operations and in what `copy` duplicates (a 413 either way, as upstream). */
/** fast-json-patch's message for a `test` operation whose value differs (in the 400 it becomes). */
const TEST_FAILED = 'Test operation failed';

/** A JSON patch refused because one of its `test` operations failed: the object changed meanwhile. */
export function isJsonPatchTestFailure(e: unknown): boolean {
  return e instanceof ApiError && e.code === 400 && e.message.includes(TEST_FAILED);
}

function applyJsonPatch(current: KubeObject, patch: unknown): KubeObject {
  if (!Array.isArray(patch)) throw errors.badRequest('json patch must be an array of operations');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(413, 'RequestEntityTooLarge', `The allowed count of operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, but the received count is ${patch.length}.`);
  }
  let copied = 0;
  // fast-json-patch's own check of a move's or copy's `from` clones the whole document for each
  // operation (10,000 of them on a 3 MB object is minutes); this one walks the pointer instead.
  const validate = (op: Operation, index: number, doc: KubeObject, existing: string): void => {
    if (op.op !== 'move' && op.op !== 'copy') return jsonpatch.validator(op, index, doc, existing);
    jsonpatch.validator(op, index);
    let value: unknown;
    try {
      value = jsonpatch.getValueByPointer(doc, op.from);
    } catch {
      value = undefined;
    }
    if (value === undefined) {
      throw new jsonpatch.JsonPatchError(`Cannot perform an \`${op.op}\` operation from a path that does not exist`, 'OPERATION_FROM_UNRESOLVABLE', index, op, doc);
    }
    if (op.op !== 'copy') return;
    copied += JSON.stringify(value).length;
    if (copied > MAX_JSON_PATCH_COPIED) {
      throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: the copy operations of this JSON patch duplicate more than ${MAX_JSON_PATCH_COPIED} bytes`);
    }
  };
  try {
    // Mutating the clone: fast-json-patch would otherwise clone it again.
    return jsonpatch.applyPatch(structuredClone(current), patch as Operation[], validate, true).newDocument;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw errors.badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message}`);
  }
}
