import type { Command } from './types.js';

/** Switches the main area back to the topology canvas. */
export const showCanvas: Command = {
  id: 'show-canvas',
  label: 'Show canvas (topology)',
  local: true,
  enabled: (ctx) => ctx.store.getState().view !== 'canvas',
  run: (ctx) => ctx.store.getState().setView('canvas'),
};
