import type { Plugin } from './framework.js';
import { extendedResources } from './plugins/extendedResources.js';
import { interPodAffinity } from './plugins/interPodAffinity.js';
import { leastAllocated } from './plugins/leastAllocated.js';
import { nodeName } from './plugins/nodeName.js';
import { nodePorts } from './plugins/nodePorts.js';
import { nodeReady } from './plugins/nodeReady.js';
import { nodeResourcesFit } from './plugins/nodeResourcesFit.js';
import { nodeSelector } from './plugins/nodeSelector.js';
import { nodeUnschedulable } from './plugins/nodeUnschedulable.js';
import { podTopologySpread } from './plugins/podTopologySpread.js';
import { selectorSpread } from './plugins/selectorSpread.js';
import { taintToleration } from './plugins/taintToleration.js';
import { volumeBinding } from './plugins/volumeBinding.js';

/**
 * Every plugin the scheduler knows, by name. Order matters: filters run in this order and a node's
 * reported reason is the first one that rejects it (so a NotReady node says "not ready", not
 * "untolerated taint {node.kubernetes.io/unreachable: }"). NodeResourcesFit's preFilter must run
 * before LeastAllocated scores (it computes the pod's requests).
 */
export const PLUGINS: readonly Plugin[] = [
  nodeUnschedulable,
  nodeName,
  nodeReady,
  taintToleration,
  nodeSelector,
  nodeResourcesFit,
  extendedResources,
  nodePorts,
  volumeBinding,
  interPodAffinity,
  podTopologySpread,
  selectorSpread,
  leastAllocated,
];

/** The default profile, optionally without some plugins (by name). */
export function defaultPlugins(disabled: readonly string[] = []): Plugin[] {
  return PLUGINS.filter((p) => !disabled.includes(p.name));
}
