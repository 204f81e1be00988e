import { splitKey } from '../../orchestrator/api/resources.js';
import type { Node, Pod } from '../../orchestrator/api/types.js';
import type { Host } from '../api/hosts.js';
import type { CommandContext } from './types.js';

/** The selected object of a kind, if the selection is one and it still exists. */
export function selectedPod(ctx: CommandContext): { namespace: string; name: string; pod: Pod } | undefined {
  const s = ctx.store.getState();
  if (s.selection?.type !== 'pod') return undefined;
  const pod = s.cluster.pods[s.selection.key];
  const { namespace, name } = splitKey(s.selection.key);
  return pod && namespace ? { namespace, name, pod } : undefined;
}

export function selectedNode(ctx: CommandContext): Node | undefined {
  const s = ctx.store.getState();
  return s.selection?.type === 'node' ? s.cluster.nodes[s.selection.name] : undefined;
}

export function selectedHost(ctx: CommandContext): Host | undefined {
  const s = ctx.store.getState();
  return s.selection?.type === 'host' ? s.cluster.hosts[s.selection.name] : undefined;
}
