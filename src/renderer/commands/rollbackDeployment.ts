import { targetOfKind } from './target.js';
import type { Command } from './types.js';

/** Opens the revision list of the selected Deployment: pick one, see the diff, roll back (`kubectl rollout undo`). */
export const rollbackDeployment: Command = {
  id: 'rollout-undo',
  label: 'Roll back to a revision…',
  button: 'Roll back…',
  detail: (ctx) => targetOfKind(ctx, 'Deployment')?.ref.name,
  enabled: (ctx) => targetOfKind(ctx, 'Deployment') !== undefined,
  run(ctx) {
    const t = targetOfKind(ctx, 'Deployment');
    if (t) ctx.store.getState().openResourceDialog({ type: 'rollback', ref: t.ref });
  },
};
