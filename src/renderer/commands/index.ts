import { addHostCommand } from './addHost.js';
import { cordonNode } from './cordonNode.js';
import { deletePod } from './deletePod.js';
import { deployFromFile } from './deployFromFile.js';
import { removeHostCommand } from './removeHost.js';
import { resetLayout } from './resetLayout.js';
import { showHosts } from './showHosts.js';
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
];

export { addHostCommand, cordonNode, deletePod, deployFromFile, removeHostCommand, resetLayout, showHosts, uncordonNode };
