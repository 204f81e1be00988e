import { useEffect } from 'react';
import { Causes } from '../components/Causes.js';
import { useApp, useServices } from '../store/context.js';

/** The last error or message from a command, dismissable; info notices fade by themselves. */
export function NoticeBar() {
  const notice = useApp((s) => s.notice);
  const { store } = useServices();
  useEffect(() => {
    if (notice?.kind !== 'info') return;
    const t = setTimeout(() => store.getState().notify(null), 4000);
    return () => clearTimeout(t);
  }, [notice, store]);
  if (!notice) return null;
  return (
    <div className={`notice notice-${notice.kind}`} role="alert" data-testid="notice">
      <div>
        {notice.text}
        <Causes causes={notice.causes} />
      </div>
      <button className="icon-btn" onClick={() => store.getState().notify(null)} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
