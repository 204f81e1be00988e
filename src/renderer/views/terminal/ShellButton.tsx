import { podContainerStatus } from '../../../orchestrator/api/podutil.js';
import type { Pod } from '../../../orchestrator/api/types.js';
import { canExec, openPodShellFor } from '../../commands/openShell.js';
import { useServices } from '../../store/context.js';

/** "Shell" beside a container in the pod's details: a new terminal tab with a shell in it. */
export function ShellButton({ pod, container }: { pod: Pod; container: string }) {
  const ctx = useServices();
  const running = podContainerStatus(pod, container)?.state?.running !== undefined;
  return (
    <button
      className="btn btn-small btn-ghost"
      disabled={!canExec(pod) || !running}
      title={running ? `Open a shell in ${container}` : `${container} is not running`}
      onClick={() => openPodShellFor(ctx, pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', container)}
      data-testid={`shell-${container}`}
    >
      Shell
    </button>
  );
}
