import type { Command } from './types.js';

/** Switches the main area to the resource browser (tables of every kind). */
export const showResources: Command = {
  id: 'show-resources',
  label: 'Show resources (tables)',
  local: true,
  enabled: (ctx) => ctx.store.getState().view !== 'resources',
  run: (ctx) => ctx.store.getState().setView('resources'),
};
