import type { AppServices } from '../store/context.js';

/** What a command may use: the store (selection, UI state), the API, and the file picker. */
export type CommandContext = AppServices;

/**
 * A user action. Buttons, shortcuts and the command palette all run commands through this shape, so
 * an action behaves the same wherever it is started. `enabled` is cheap and reads current state;
 * `run` may throw: the caller shows the error (see runCommand).
 */
export interface Command {
  id: string;
  label: string;
  /** The target, shown beside the label (e.g. the selected node's name). */
  detail?(ctx: CommandContext): string | undefined;
  enabled(ctx: CommandContext): boolean;
  /** Short text for a button (the label is what the palette shows). */
  button?: string;
  /** Destructive: drawn red, and its dialog asks before anything goes. */
  danger?: boolean;
  /** Works without the cluster (changes only the UI): runs while offline. Others wait for the connection. */
  local?: boolean;
  run(ctx: CommandContext): Promise<void> | void;
}
