import { useMemo, useState } from 'react';
import { podContainerStatus, podContainers } from '../../orchestrator/api/podutil.js';
import type { Pod } from '../../orchestrator/api/types.js';
import { VirtualList } from '../components/VirtualList.js';
import { useApp, useServices } from '../store/context.js';
import { emptyLog, MAX_LOG_LINES } from '../store/logBuffer.js';
import { useLogStream, type LogTarget } from './useLogStream.js';

const ROW = 18;

/** Live logs of one pod: container picker (app, init and debug containers), follow, bounded buffer. */
export function LogView({ pod }: { pod: Pod }) {
  const containers = podContainers(pod).map((c) => c.name);
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const container = picked && containers.includes(picked) ? picked : containers[0];
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(false);
  const { store } = useServices();

  const status = container ? podContainerStatus(pod, container) : undefined;
  const started = status?.state?.running?.startedAt ?? status?.state?.terminated?.finishedAt ?? '';
  const incarnation = `${status?.containerID ?? ''}|${status?.restartCount ?? 0}|${started}`;
  const target: LogTarget | undefined = useMemo(
    () => (container ? { namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name ?? '', container, incarnation } : undefined),
    [pod.metadata.namespace, pod.metadata.name, container, incarnation],
  );
  const hasStarted = Boolean(status?.containerID || status?.state?.running || status?.state?.terminated);
  const key = useLogStream(target, hasStarted);
  const buf = useApp((s) => (key ? s.logs[key] : undefined)) ?? emptyLog;

  return (
    <div className="logs" data-testid="log-view" data-state={hasStarted ? buf.state : 'waiting'}>
      <div className="logs-toolbar">
        {containers.length > 1 ? (
          <select value={container} onChange={(e) => setPicked(e.target.value)} data-testid="log-container-picker" aria-label="Container">
            {containers.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <span className="log-container">{container}</span>
        )}
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="log-follow" /> Follow
        </label>
        <label className="check">
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> Wrap
        </label>
        <span className="spacer" />
        <span className={`log-state log-${buf.state}`}>{hasStarted ? stateText(buf.state) : 'waiting for the container to start'}</span>
        <button className="btn btn-small btn-ghost" disabled={!key} onClick={() => key && store.getState().clearLogs(key)}>
          Clear
        </button>
      </div>
      {buf.error && <div className="error-text log-error">{buf.error}</div>}
      {buf.dropped > 0 && <div className="muted small log-dropped">{buf.dropped.toLocaleString()} older lines dropped (keeping the last {MAX_LOG_LINES.toLocaleString()})</div>}
      {wrap ? (
        <pre className="log-lines log-wrapped" data-testid="log-lines">
          {buf.lines.slice(-1000).join('\n')}
        </pre>
      ) : (
        <VirtualList
          items={buf.lines}
          rowHeight={ROW}
          className="log-lines"
          testId="log-lines"
          follow={follow}
          onAtBottom={(atBottom) => atBottom !== follow && setFollow(atBottom)}
          render={(line) => <span className="log-line">{line || ' '}</span>}
        />
      )}
    </div>
  );
}

function stateText(s: string): string {
  if (s === 'streaming') return '● live';
  if (s === 'connecting') return 'connecting…';
  if (s === 'ended') return 'stream ended';
  return 'error';
}
