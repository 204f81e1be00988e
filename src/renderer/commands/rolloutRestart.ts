import { patchObject } from '../api/objects.js';
import { restartPatch } from '../api/rollout.js';
import { targetOfKind } from './target.js';
import type { Command } from './types.js';

const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** `kubectl rollout restart`: a new `restartedAt` template annotation rolls every pod. */
export const rolloutRestart: Command = {
  id: 'rollout-restart',
  label: 'Restart rollout',
  button: 'Restart',
  detail: (ctx) => targetOfKind(ctx, ...RESTARTABLE)?.ref.name,
  enabled: (ctx) => targetOfKind(ctx, ...RESTARTABLE) !== undefined,
  async run(ctx) {
    const t = targetOfKind(ctx, ...RESTARTABLE);
    if (!t) return;
    await patchObject(ctx.api, t.ref, 'strategic', restartPatch(new Date().toISOString()));
    ctx.store.getState().notify({ kind: 'info', text: `${t.ref.kind} ${t.ref.name} restarted: its pods are being replaced` });
    ctx.store.getState().refresh();
  },
};
