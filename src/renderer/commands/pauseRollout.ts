import type { KubeObject } from '../../orchestrator/api/types.js';
import { isRecord } from '../api/guards.js';
import { patchObject } from '../api/objects.js';
import { targetOfKind } from './target.js';
import type { Command } from './types.js';

export function isPaused(o: KubeObject): boolean {
  return isRecord(o.spec) && o.spec.paused === true;
}

/** `kubectl rollout pause`: template changes stop rolling out until resumed. */
export const pauseRollout: Command = {
  id: 'rollout-pause',
  label: 'Pause rollout',
  button: 'Pause',
  detail: (ctx) => targetOfKind(ctx, 'Deployment')?.ref.name,
  enabled: (ctx) => {
    const t = targetOfKind(ctx, 'Deployment');
    return t !== undefined && !isPaused(t.object);
  },
  async run(ctx) {
    const t = targetOfKind(ctx, 'Deployment');
    if (t) await patchObject(ctx.api, t.ref, 'strategic', { spec: { paused: true } });
    ctx.store.getState().refresh();
  },
};
