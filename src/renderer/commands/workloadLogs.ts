import { workloadOf } from '../graph/owners.js';
import { selectedPod } from './selected.js';
import type { Command, CommandContext } from './types.js';

function selectedWorkload(ctx: CommandContext) {
  const p = selectedPod(ctx);
  return p ? workloadOf(p.pod, ctx.store.getState().cluster) : undefined;
}

/** The logs of every pod of the selected pod's workload, interleaved by time. */
export const showWorkloadLogs: Command = {
  id: 'workload-logs',
  label: 'Show workload logs',
  detail: (ctx) => {
    const w = selectedWorkload(ctx);
    return w ? `${w.kind} ${w.namespace}/${w.name}` : undefined;
  },
  enabled: (ctx) => selectedWorkload(ctx) !== undefined,
  run(ctx) {
    const w = selectedWorkload(ctx);
    if (w) ctx.store.getState().openWorkloadLogs(w);
  },
};
