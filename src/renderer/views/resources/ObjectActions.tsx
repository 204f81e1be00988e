import type { KubeObject } from '../../../orchestrator/api/types.js';
import { OBJECT_COMMANDS } from '../../commands/objectCommands.js';
import { runCommand } from '../../commands/runCommand.js';
import { useApp, useServices } from '../../store/context.js';
import { connectionState } from '../../store/selectors.js';

/**
 * The actions that apply to the object shown (each a command: the same as in the palette), as
 * buttons. Rendered again whenever the object changes, so enabled states follow it.
 */
export function ObjectActions({ object }: { object: KubeObject | undefined }) {
  const ctx = useServices();
  // Enabled states read the store: follow the selection and the connection.
  useApp((s) => s.selection);
  const offline = useApp((s) => connectionState(s) === 'offline');
  if (!object) return null;
  const shown = OBJECT_COMMANDS.filter((c) => c.enabled(ctx));
  if (shown.length === 0) return null;
  return (
    <div className="actions" data-testid="object-actions">
      {shown.map((c) => (
        <button
          key={c.id}
          className={`btn btn-small${c.danger ? ' btn-danger' : ''}`}
          disabled={offline}
          title={offline ? 'Offline: actions are disabled until the cluster is reachable' : c.detail?.(ctx)}
          onClick={() => void runCommand(c, ctx)}
          data-testid={`action-${c.id}`}
        >
          {c.button ?? c.label}
        </button>
      ))}
    </div>
  );
}
