import type { ResourceType } from './resources.js';
import type { KubeObject, StatusCause } from './types.js';

export interface ValidateOptions {
  /** `fieldValidation=Strict`: unknown fields are errors. */
  strict: boolean;
}

/** Validates an object about to be stored. Returns one cause per failing field (empty: valid). */
export function validate(r: ResourceType, obj: KubeObject, opts: ValidateOptions): StatusCause[] {
  void opts;
  const causes: StatusCause[] = [];
  const name = obj.metadata?.name;
  if (!name) causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  void r;
  return causes;
}

/** Checks what may not change between `old` and `next` (immutable fields). */
export function validateUpdate(r: ResourceType, next: KubeObject, old: KubeObject): StatusCause[] {
  void r;
  void next;
  void old;
  return [];
}
