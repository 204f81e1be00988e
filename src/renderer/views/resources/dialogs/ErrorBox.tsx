import { Causes } from '../../../components/Causes.js';
import type { ActionState } from './useAction.js';

export function ErrorBox({ error, testId }: { error: ActionState['error']; testId?: string }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert" data-testid={testId ?? 'dialog-error'}>
      {error.message}
      <Causes causes={error.causes} />
    </div>
  );
}
