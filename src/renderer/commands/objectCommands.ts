import type { Command } from './types.js';

/** The commands that act on the selected object, in the order the details panel shows them. */
export const OBJECT_COMMANDS: readonly Command[] = [];
