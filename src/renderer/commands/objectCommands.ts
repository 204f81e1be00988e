import { deleteResource } from './deleteResource.js';
import { drainNode } from './drainNode.js';
import { editAnnotations } from './editAnnotations.js';
import { editLabels } from './editLabels.js';
import { evictPodCommand } from './evictPodCommand.js';
import { pauseRollout } from './pauseRollout.js';
import { resumeRollout } from './resumeRollout.js';
import { rollbackDeployment } from './rollbackDeployment.js';
import { rolloutRestart } from './rolloutRestart.js';
import { scaleWorkload } from './scaleWorkload.js';
import type { Command } from './types.js';
import { editYaml } from './editYaml.js';
import { viewYaml } from './viewYaml.js';

/** The commands that act on the selected object, in the order the details panel shows them. */
export const OBJECT_COMMANDS: readonly Command[] = [
  viewYaml,
  editYaml,
  scaleWorkload,
  rolloutRestart,
  pauseRollout,
  resumeRollout,
  rollbackDeployment,
  drainNode,
  evictPodCommand,
  editLabels,
  editAnnotations,
  deleteResource,
];
