import { patchObject } from '../api/objects.js';
import { isPaused } from './pauseRollout.js';
import { targetOfKind } from './target.js';
import type { Command } from './types.js';

/** `kubectl rollout resume`. */
export const resumeRollout: Command = {
  id: 'rollout-resume',
  label: 'Resume rollout',
  button: 'Resume',
  detail: (ctx) => targetOfKind(ctx, 'Deployment')?.ref.name,
  enabled: (ctx) => {
    const t = targetOfKind(ctx, 'Deployment');
    return t !== undefined && isPaused(t.object);
  },
  async run(ctx) {
    const t = targetOfKind(ctx, 'Deployment');
    if (t) await patchObject(ctx.api, t.ref, 'strategic', { spec: { paused: false } });
    ctx.store.getState().refresh();
  },
};
