import type { Command } from './types.js';

export const addHostCommand: Command = {
  id: 'add-host',
  label: 'Add host…',
  enabled: () => true,
  run: (ctx) => ctx.store.getState().openDialog({ type: 'addHost' }),
};
