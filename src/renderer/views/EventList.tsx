import type { KubeEvent } from '../../orchestrator/api/types.js';
import { age } from '../components/time.js';

/** Events as `kubectl describe` lists them: type, reason, age, source, message. */
export function EventList({ events, testId }: { events: readonly KubeEvent[]; testId?: string }) {
  if (events.length === 0) return <div className="muted">No events</div>;
  const now = Date.now();
  return (
    <ul className="events" data-testid={testId}>
      {events.slice(0, 50).map((e) => (
        <li key={e.metadata.uid ?? e.metadata.name} className={`event event-${(e.type ?? 'Normal').toLowerCase()}`}>
          <div className="event-head">
            <b>{e.reason}</b>
            <span className="muted small">
              {age(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? undefined, now)}
              {e.count && e.count > 1 ? ` ×${e.count}` : ''}
              {e.source?.component ? ` · ${e.source.component}` : ''}
            </span>
          </div>
          <div className="event-msg">{e.message}</div>
        </li>
      ))}
    </ul>
  );
}
