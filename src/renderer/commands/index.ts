import { addHostCommand } from './addHost.js';
import { cordonNode } from './cordonNode.js';
import { deletePod } from './deletePod.js';
import { deployFromFile } from './deployFromFile.js';
import { openHostShell, openPodShell } from './openShell.js';
import { forwardSelected, showPortForwards, stopAllPortForwards } from './portForward.js';
import { showWorkloadLogs } from './workloadLogs.js';
import { removeHostCommand } from './removeHost.js';
import { resetLayout } from './resetLayout.js';
import { newResource } from './newResource.js';
import { OBJECT_COMMANDS } from './objectCommands.js';
import { showCanvas } from './showCanvas.js';
import { showHosts } from './showHosts.js';
import { showResources } from './showResources.js';
import type { Command } from './types.js';
import { uncordonNode } from './uncordonNode.js';

/** Every command, in palette order. */
export const COMMANDS: readonly Command[] = [
  deployFromFile,
  addHostCommand,
  showHosts,
  removeHostCommand,
  cordonNode,
  uncordonNode,
  deletePod,
  resetLayout,
  openPodShell,
  openHostShell,
  forwardSelected,
  showPortForwards,
  stopAllPortForwards,
  showWorkloadLogs,
  showResources,
  showCanvas,
  newResource,
  ...OBJECT_COMMANDS,
];

export { addHostCommand, cordonNode, deletePod, deployFromFile, removeHostCommand, resetLayout, showHosts, uncordonNode };
export { forwardSelected, openHostShell, openPodShell, showPortForwards, showWorkloadLogs, stopAllPortForwards };
