import { describe, expect, it } from 'vitest';
import { logSocketUrl, WorkloadLogSession, type LogQuery, type LogTarget } from './workloadLogs.js';

interface FakeStream {
  q: LogQuery;
  lines(l: string[]): void;
  end(error?: string): void;
  closed: boolean;
}

function setup(previous = false) {
  const opened: FakeStream[] = [];
  const timers: { fn: () => void; ms: number; live: boolean }[] = [];
  const session = new WorkloadLogSession({
    namespace: 'default',
    previous,
    range: { tailLines: 100 },
    open: (q, onLines, onEnd) => {
      const s: FakeStream = { q, lines: onLines, end: onEnd, closed: false };
      opened.push(s);
      return { close: () => void (s.closed = true) };
    },
    setTimeout: (fn, ms) => {
      const t = { fn, ms, live: true };
      timers.push(t);
      return () => void (t.live = false);
    },
    schedule: (fn) => {
      fn();
      return () => undefined;
    },
  });
  const fire = () => {
    for (const t of timers.splice(0)) if (t.live) t.fn();
  };
  const texts = () => session.log.lines.map((l) => `${l.pod} ${l.text}`);
  return { session, opened, fire, texts };
}

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`;
const target = (pod: string, incarnation = '1', running = true): LogTarget => ({ pod, container: 'web', incarnation, started: true, running });

describe('workload log session', () => {
  it('follows every pod and interleaves their lines by time', () => {
    const { session, opened, texts } = setup();
    session.setTargets([target('a'), target('b'), { ...target('c'), started: false }]);
    expect(opened.map((s) => [s.q.pod, s.q.follow, s.q.range])).toEqual([
      ['a', true, { tailLines: 100 }],
      ['b', true, { tailLines: 100 }],
    ]);
    opened[0]?.lines([`${T(1)} a-one`, `${T(3)} a-three`]);
    opened[1]?.lines([`${T(2)} b-two`]);
    expect(texts()).toEqual(['a a-one', 'b b-two', 'a a-three']);
  });

  it('after a container restart resumes from its last line without repeating it', () => {
    const { session, opened, texts } = setup();
    session.setTargets([target('a', '1')]);
    opened[0]?.lines([`${T(1)} one`, `${T(2)} two`]);
    // The container stops: its stream ends; the pod says it is not running.
    session.setTargets([target('a', '1', false)]);
    opened[0]?.end();
    expect(opened.length).toBe(1);
    // It runs again (restartCount went up): the next stream starts at the last line's time.
    session.setTargets([target('a', '2', true)]);
    expect(opened[1]?.q.sinceTime).toBe(T(2));
    opened[1]?.lines([`${T(2)} two`, `${T(5)} after restart`]);
    expect(texts()).toEqual(['a one', 'a two', 'a after restart']);
  });

  it('a dropped connection to a running container is resumed after a back-off, with no duplicates', () => {
    const { session, opened, fire, texts } = setup();
    session.setTargets([target('a')]);
    opened[0]?.lines([`${T(1)} one`]);
    opened[0]?.end('connection closed (1006)');
    expect(session.status()).toMatchObject({ streaming: 0, errors: ['a/web: connection closed (1006)'] });
    fire();
    expect(opened[1]?.q.sinceTime).toBe(T(1));
    opened[1]?.lines([`${T(1)} one`, `${T(4)} four`]);
    expect(texts()).toEqual(['a one', 'a four']);
    expect(session.status().errors).toEqual([]);
  });

  it('closes the stream of a pod that is gone and keeps its lines', () => {
    const { session, opened, texts } = setup();
    session.setTargets([target('a'), target('b')]);
    opened[0]?.lines([`${T(1)} from a`]);
    session.setTargets([target('b')]);
    expect(opened[0]?.closed).toBe(true);
    expect(texts()).toEqual(['a from a']);
  });

  it('previous: reads each last run once, without following', () => {
    const { session, opened } = setup(true);
    session.setTargets([target('a')]);
    expect(opened[0]?.q).toMatchObject({ previous: true, follow: false });
    opened[0]?.end();
    session.setTargets([target('a', '2')]);
    expect(opened.length).toBe(1);
  });

  it('builds the log WebSocket URL', () => {
    expect(logSocketUrl('http://127.0.0.1:1', { namespace: 'default', pod: 'p', container: 'c', follow: true, previous: false, range: { sinceSeconds: 300 } })).toBe(
      'ws://127.0.0.1:1/k8s/api/v1/namespaces/default/pods/p/log?container=c&timestamps=true&follow=true&sinceSeconds=300',
    );
    expect(logSocketUrl('http://h', { namespace: 'n', pod: 'p', container: 'c', follow: true, previous: false, range: { tailLines: 5 }, sinceTime: T(1) })).toContain('sinceTime=2026-01-01T00%3A00%3A01.000000000Z');
  });
});
