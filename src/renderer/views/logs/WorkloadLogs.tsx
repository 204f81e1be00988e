import './logs.css';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { Pod } from '../../../orchestrator/api/types.js';
import { webSocketLogStream, WorkloadLogSession, type LogRange, type LogTarget } from '../../api/workloadLogs.js';
import { VirtualList } from '../../components/VirtualList.js';
import { podsOfWorkload, workloadKey, type Workload } from '../../graph/owners.js';
import { useApp, useServices } from '../../store/context.js';
import { frameScheduler } from '../../store/frameBatcher.js';
import { colourSlot, highlightParts, searchLines, toDownloadText, type LogEntry } from '../../store/logMerge.js';

const ROW = 18;
const RANGES: Record<string, { label: string; range: LogRange }> = {
  tail100: { label: 'last 100 lines', range: { tailLines: 100 } },
  tail1000: { label: 'last 1,000 lines', range: { tailLines: 1000 } },
  since5m: { label: 'last 5 minutes', range: { sinceSeconds: 300 } },
  since1h: { label: 'last hour', range: { sinceSeconds: 3600 } },
  all: { label: 'everything', range: { all: true } },
};

/** The logs dock: the chosen workload's logs, or nothing. */
export function WorkloadLogsDock() {
  const w = useApp((s) => s.logsFor);
  return w ? <WorkloadLogs key={workloadKey(w)} w={w} /> : null;
}

/** Each started container of each pod, with what tells a restart apart. */
function targetsOf(pods: readonly Pod[], container: string): LogTarget[] {
  const out: LogTarget[] = [];
  for (const p of pods) {
    for (const c of p.spec.containers) {
      if (container !== '*' && c.name !== container) continue;
      const st = p.status?.containerStatuses?.find((s) => s.name === c.name);
      out.push({
        pod: p.metadata.name ?? '',
        container: c.name,
        incarnation: `${st?.containerID ?? ''}|${st?.restartCount ?? 0}`,
        started: Boolean(st?.containerID || st?.lastState?.terminated),
        running: st?.state?.running !== undefined,
      });
    }
  }
  return out;
}

/**
 * A workload's logs: every pod (and container, or one), interleaved by time and coloured per pod;
 * search with highlighting over all that is loaded; previous runs; timestamps; how far back to
 * start; download. Memory is bounded (the oldest lines go); reconnects and restarts repeat nothing.
 */
function WorkloadLogs({ w }: { w: Workload }) {
  const { store } = useServices();
  const pods = useApp((s) => s.cluster.pods);
  const replicasets = useApp((s) => s.cluster.replicasets);
  const jobs = useApp((s) => s.cluster.jobs);
  const members = useMemo(() => podsOfWorkload(pods, { replicasets, jobs }, w), [pods, replicasets, jobs, w]);
  const containerNames = useMemo(() => [...new Set(members.flatMap((p) => p.spec.containers.map((c) => c.name)))], [members]);
  const [container, setContainer] = useState('*');
  const [rangeKey, setRangeKey] = useState('tail1000');
  const [previous, setPrevious] = useState(false);
  const [timestamps, setTimestamps] = useState(false);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [hit, setHit] = useState(0);

  const session = useMemo(
    () =>
      new WorkloadLogSession({
        namespace: w.namespace,
        previous,
        range: (RANGES[rangeKey] ?? RANGES.tail1000)!.range,
        open: webSocketLogStream(window.location.origin),
        setTimeout: (fn, ms) => {
          const t = setTimeout(fn, ms);
          return () => clearTimeout(t);
        },
        schedule: frameScheduler,
      }),
    [w, previous, rangeKey, container],
  );
  useEffect(() => () => session.dispose(), [session]);
  const targets = useMemo(() => targetsOf(members, container), [members, container]);
  useEffect(() => session.setTargets(targets), [session, targets]);
  const version = useSyncExternalStore(
    (cb) => session.subscribe(cb),
    () => session.tick,
  );
  // A new array per version: the list re-renders and follows even when the buffer is full.
  const lines = useMemo(() => session.log.lines.slice(), [session, version, session.log.version]);
  const matches = useMemo(() => searchLines(lines, query), [lines, query]);
  const current = matches.length ? matches[Math.min(hit, matches.length - 1)] : undefined;
  const status = session.status();
  const multi = containerNames.length > 1;
  // Colours by the pod's place in the workload: distinct for up to eight pods; a gone pod keeps a hashed one.
  const slots = useMemo(() => new Map(members.map((p, i) => [p.metadata.name ?? '', i % 8])), [members]);

  const download = () => {
    const url = URL.createObjectURL(new Blob([toDownloadText(lines, true)], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${w.namespace}-${w.name}${previous ? '-previous' : ''}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const step = (d: number) => {
    if (!matches.length) return;
    setFollow(false);
    setHit((h) => (Math.min(h, matches.length - 1) + d + matches.length) % matches.length);
  };

  return (
    <section className="wl-dock" data-testid="workload-logs" data-state={status.streaming > 0 ? 'streaming' : 'idle'} aria-label={`Logs of ${w.kind} ${w.name}`}>
      <div className="logs-toolbar wl-toolbar">
        <b className="wl-title" title={`${w.kind} ${w.namespace}/${w.name}`}>
          {w.kind} {w.name}
        </b>
        <span className="muted small">
          {members.length} {members.length === 1 ? 'pod' : 'pods'}
        </span>
        <select value={container} onChange={(e) => setContainer(e.target.value)} aria-label="Container" data-testid="wl-container">
          <option value="*">all containers</option>
          {containerNames.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <select value={rangeKey} onChange={(e) => setRangeKey(e.target.value)} aria-label="From" data-testid="wl-range" disabled={previous}>
          {Object.entries(RANGES).map(([k, r]) => (
            <option key={k} value={k}>
              {r.label}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} data-testid="wl-previous" /> Previous
        </label>
        <label className="check">
          <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} data-testid="wl-timestamps" /> Timestamps
        </label>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="wl-follow" /> Follow
        </label>
        <input
          className="wl-search"
          type="search"
          placeholder="Search loaded lines"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setHit(0);
            // Searching shows the hits, so the view stops following the newest line.
            if (e.target.value) setFollow(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') step(e.shiftKey ? -1 : 1);
          }}
          data-testid="wl-search"
          aria-label="Search"
        />
        <span className="muted small" data-testid="wl-match-count">
          {query ? `${matches.length ? Math.min(hit, matches.length - 1) + 1 : 0}/${matches.length}` : ''}
        </span>
        <button className="btn btn-small btn-ghost" onClick={() => step(-1)} disabled={!matches.length} aria-label="Previous match">
          ↑
        </button>
        <button className="btn btn-small btn-ghost" onClick={() => step(1)} disabled={!matches.length} aria-label="Next match">
          ↓
        </button>
        <span className="spacer" />
        <button className="btn btn-small btn-ghost" onClick={download} disabled={lines.length === 0} data-testid="wl-download">
          Download
        </button>
        <button className="icon-btn" onClick={() => store.getState().closeWorkloadLogs()} aria-label="Close logs" data-testid="wl-close">
          ✕
        </button>
      </div>
      {(status.errors.length > 0 || session.log.dropped > 0) && (
        <div className="muted small wl-status">
          {session.log.dropped > 0 && `${session.log.dropped.toLocaleString()} older lines dropped. `}
          {status.errors.slice(0, 3).join(' · ')}
        </div>
      )}
      <VirtualList
        items={lines}
        rowHeight={ROW}
        className="log-lines"
        testId="wl-lines"
        follow={follow}
        onAtBottom={(atBottom) => !query && atBottom !== follow && setFollow(atBottom)}
        scrollToIndex={follow ? undefined : current}
        render={(l: LogEntry, i) => (
          <span className={`log-line wl-line${i === current ? ' is-current' : ''}`} data-testid="wl-line" data-pod={l.pod}>
            <span className={`wl-pod wl-c${slots.get(l.pod) ?? colourSlot(l.pod)}`}>{multi ? `${l.pod}/${l.container}` : l.pod}</span>
            {timestamps && <span className="wl-ts">{l.ts.slice(11, 23)}</span>}
            {highlightParts(l.text, query).map((p, k) => (p.match ? <mark key={k}>{p.text}</mark> : <span key={k}>{p.text}</span>))}
          </span>
        )}
      />
    </section>
  );
}
