import type { KubeObject } from '../../orchestrator/api/types.js';
import type { ObjectRef } from '../store/resourcesSlice.js';
import { refOfSelection, sameRef } from '../views/resources/open.js';
import { watchedKindOf } from '../views/resources/useObject.js';
import type { CommandContext } from './types.js';

/** What a command acts on: the selected object's ref, and the object when it is known. */
export interface Target {
  ref: ObjectRef;
  object?: KubeObject;
}

/**
 * The selected object, whatever its kind: from the store for watched kinds (always current), else
 * the copy the details panel last read.
 */
export function selectedTarget(ctx: CommandContext): Target | undefined {
  const s = ctx.store.getState();
  const ref = refOfSelection(s.selection);
  if (!ref) return undefined;
  const watched = watchedKindOf(ref);
  if (watched) {
    const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    const object = (s.cluster[watched] as Readonly<Record<string, KubeObject>>)[key];
    return object ? { ref, object } : { ref };
  }
  return s.detailObject && sameRef(s.detailObject.ref, ref) ? { ref, object: s.detailObject.object } : { ref };
}

/** The selected object when it is of one of `kinds` (by Kind name) and known. */
export function targetOfKind(ctx: CommandContext, ...kinds: string[]): Required<Target> | undefined {
  const t = selectedTarget(ctx);
  return t?.object && kinds.includes(t.ref.kind) ? (t as Required<Target>) : undefined;
}
