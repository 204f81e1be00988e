import type { Command } from './types.js';

export const resetLayout: Command = {
  id: 'reset-layout',
  label: 'Reset canvas layout',
  local: true,
  enabled: (ctx) => Object.keys(ctx.store.getState().positions).length > 0,
  run: (ctx) => ctx.store.getState().resetPositions(),
};
