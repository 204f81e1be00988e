import { addHostCommand, deployFromFile } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { useServices } from '../store/context.js';

/** What an empty cluster shows instead of a blank canvas: the two ways to start. */
export function EmptyCanvas() {
  const ctx = useServices();
  return (
    <div className="empty-canvas" data-testid="empty-canvas">
      <div className="empty-title">Nothing here yet</div>
      <p>Add a host to run containers on, then drop a manifest (YAML or JSON) anywhere on this canvas.</p>
      <div className="row gap">
        <button className="btn btn-primary" onClick={() => void runCommand(addHostCommand, ctx)}>
          Add host
        </button>
        <button className="btn" onClick={() => void runCommand(deployFromFile, ctx)}>
          Deploy from file
        </button>
      </div>
    </div>
  );
}
