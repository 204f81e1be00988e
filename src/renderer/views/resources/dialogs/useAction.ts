import { useCallback, useState } from 'react';
import type { StatusCause } from '../../../../orchestrator/api/types.js';
import { ApiRequestError, messageOf } from '../../../api/errors.js';

export interface ActionState {
  busy: boolean;
  error: { message: string; causes: StatusCause[]; code?: number } | null;
  /** Runs `fn`, keeping `busy` while it runs and the error (with the server's causes) when it fails. */
  run(fn: () => Promise<void>): Promise<boolean>;
  setError(e: ActionState['error']): void;
}

/** Busy and error state of a dialog's one action. */
export function useAction(): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ActionState['error']>(null);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError({ message: messageOf(e), causes: e instanceof ApiRequestError ? e.causes : [], ...(e instanceof ApiRequestError ? { code: e.code } : {}) });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
