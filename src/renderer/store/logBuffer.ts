/** The most lines a log view keeps; older lines are dropped (a follow can run for days). */
export const MAX_LOG_LINES = 5000;

export type LogStreamState = 'connecting' | 'streaming' | 'ended' | 'error';

/** One container's log as shown: the newest lines, bounded, and how many were dropped. */
export interface LogBuffer {
  readonly lines: readonly string[];
  readonly dropped: number;
  readonly state: LogStreamState;
  readonly error?: string;
}

export const emptyLog: LogBuffer = { lines: [], dropped: 0, state: 'connecting' };

/** Appends lines keeping at most `max`; O(max) per call, called once per frame. */
export function appendBounded(buf: LogBuffer, more: readonly string[], max = MAX_LOG_LINES): LogBuffer {
  if (more.length === 0) return buf;
  const all = buf.lines.length + more.length <= max ? buf.lines.concat(more) : buf.lines.concat(more).slice(-max);
  const dropped = buf.dropped + buf.lines.length + more.length - all.length;
  return { ...buf, lines: all, dropped };
}
