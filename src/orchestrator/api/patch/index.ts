import jsonpatch, { type Operation } from 'fast-json-patch';
import { errors } from '../errors.js';
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
    case 'json': {
      if (!Array.isArray(patch)) throw errors.badRequest('json patch must be an array of operations');
      try {
        return jsonpatch.applyPatch(structuredClone(current), patch as Operation[], true, false).newDocument;
      } catch (e) {
        throw errors.badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message}`);
      }
    }
    case 'apply':
      // Server-side apply: merge the applied configuration (field ownership tracking lives in apiserver/).
      return strategicMergePatch(current, patch, schemaFor(r)) as KubeObject;
  }
}
