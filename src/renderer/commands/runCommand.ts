import { ApiRequestError, messageOf } from '../api/errors.js';
import { connectionState } from '../store/selectors.js';
import type { Command, CommandContext } from './types.js';

/** Runs a command if it is enabled (and, unless it is local, while online); failures become the app's notice. */
export async function runCommand(cmd: Command, ctx: CommandContext): Promise<boolean> {
  if (!cmd.enabled(ctx)) return false;
  if (!cmd.local && connectionState(ctx.store.getState()) === 'offline') {
    ctx.store.getState().notify({ kind: 'error', text: `${cmd.label}: offline, the cluster cannot be reached. Try again once Skiff has reconnected.` });
    return false;
  }
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
