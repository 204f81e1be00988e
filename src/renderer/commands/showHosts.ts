import type { Command } from './types.js';

export const showHosts: Command = {
  id: 'show-hosts',
  label: 'Show hosts',
  enabled: () => true,
  local: true,
  run: (ctx) => ctx.store.getState().setHostsOpen(true),
};
