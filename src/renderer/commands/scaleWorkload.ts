import type { KubeObject } from '../../orchestrator/api/types.js';
import { isRecord } from '../api/guards.js';
import { targetOfKind } from './target.js';
import type { Command } from './types.js';

const SCALABLE = ['Deployment', 'ReplicaSet', 'ReplicationController', 'StatefulSet'];

/** `spec.replicas` of a workload (1 when unset, the server's default). */
export function replicasOf(o: KubeObject): number {
  return isRecord(o.spec) && typeof o.spec.replicas === 'number' ? o.spec.replicas : 1;
}

/** Opens the scale dialog for the selected Deployment, ReplicaSet or StatefulSet (its `/scale`, as `kubectl scale`). */
export const scaleWorkload: Command = {
  id: 'scale',
  label: 'Scale…',
  detail: (ctx) => {
    const t = targetOfKind(ctx, ...SCALABLE);
    return t ? `${t.ref.name}: ${replicasOf(t.object)} replicas now` : undefined;
  },
  enabled: (ctx) => targetOfKind(ctx, ...SCALABLE) !== undefined,
  run(ctx) {
    const t = targetOfKind(ctx, ...SCALABLE);
    if (t) ctx.store.getState().openResourceDialog({ type: 'scale', ref: t.ref });
  },
};
