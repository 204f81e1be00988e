import { useApp } from '../store/context.js';
import { connectionState } from '../store/selectors.js';

/** Says plainly that what is shown may be stale, and that actions wait for the connection. */
export function OfflineBanner() {
  const offline = useApp((s) => connectionState(s) === 'offline');
  const error = useApp((s) => s.lastWatchError);
  if (!offline) return null;
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner">
      Offline: the cluster's API cannot be reached{error ? ` (${error})` : ''}. What you see may be out of date; actions are disabled until Skiff reconnects.
    </div>
  );
}
