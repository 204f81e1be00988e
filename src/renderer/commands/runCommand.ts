import { ApiRequestError, messageOf } from '../api/errors.js';
import type { Command, CommandContext } from './types.js';

/** Runs a command if it is enabled; failures become the app's notice (message and field causes). */
export async function runCommand(cmd: Command, ctx: CommandContext): Promise<boolean> {
  if (!cmd.enabled(ctx)) return false;
  try {
    await cmd.run(ctx);
    return true;
  } catch (e) {
    ctx.store.getState().notify({
      kind: 'error',
      text: `${cmd.label}: ${messageOf(e)}`,
      ...(e instanceof ApiRequestError && e.causes.length > 0 ? { causes: e.causes } : {}),
    });
    return false;
  }
}
