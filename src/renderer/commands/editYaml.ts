import { selectedTarget } from './target.js';
import type { Command } from './types.js';

/** Edits the selected object's YAML with the server's schema; changes are reviewed as a dry-run diff first. */
export const editYaml: Command = {
  id: 'edit-yaml',
  label: 'Edit YAML…',
  button: 'Edit YAML',
  detail: (ctx) => selectedTarget(ctx)?.ref.name,
  enabled: (ctx) => {
    const t = selectedTarget(ctx);
    return t?.object !== undefined && !t.object.metadata.deletionTimestamp;
  },
  run(ctx) {
    const t = selectedTarget(ctx);
    if (t) ctx.store.getState().openResourceDialog({ type: 'yaml', ref: t.ref, edit: true });
  },
};
