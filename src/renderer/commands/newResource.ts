import type { Command } from './types.js';

/** A new object from a template (Deployment, Service, ConfigMap, Secret, Job, Ingress, ...), edited as YAML. */
export const newResource: Command = {
  id: 'new-resource',
  label: 'New resource from a template…',
  enabled: () => true,
  run: (ctx) => ctx.store.getState().openResourceDialog({ type: 'create' }),
};
