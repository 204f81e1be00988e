import { useEffect } from 'react';
import { messageOf } from '../api/errors.js';
import { streamLogs } from '../api/logs.js';
import { FrameBatcher } from '../store/frameBatcher.js';
import { useServices } from '../store/context.js';
import { logKey } from '../store/selectors.js';

export interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
  /**
   * Changes when the container (re)starts; a new value reconnects and appends a marker, so a
   * restarted container's output follows its previous one.
   */
  incarnation: string;
}

/**
 * Streams one container's log into the store while mounted (lines batched per frame, buffer bounded),
 * and drops the buffer when the view goes away.
 */
export function useLogStream(target: LogTarget | undefined, enabled: boolean): string | undefined {
  const { api, store } = useServices();
  const key = target ? logKey(target.namespace, target.pod, target.container) : undefined;

  useEffect(() => {
    if (!target || !key || !enabled) return;
    const abort = new AbortController();
    const s = store.getState();
    const batcher = new FrameBatcher<string>((lines) => store.getState().appendLogs(key, lines));
    if ((s.logs[key]?.lines.length ?? 0) > 0) batcher.push(`──── ${target.container} restarted or reconnected ────`);
    s.setLogState(key, 'connecting');
    streamLogs(api, { namespace: target.namespace, pod: target.pod, container: target.container, follow: true, tailLines: 500 }, (lines) => {
      for (const l of lines) batcher.push(l);
    }, abort.signal, () => store.getState().setLogState(key, 'streaming')).then(
      () => {
        if (abort.signal.aborted) return;
        batcher.flushNow();
        store.getState().setLogState(key, 'ended');
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        batcher.flushNow();
        store.getState().setLogState(key, 'error', messageOf(e));
      },
    );
    return () => {
      abort.abort();
      batcher.dispose();
    };
  // `target` is read through `key` and `incarnation`: a new object with the same values must not reconnect.
  }, [api, store, key, target?.incarnation, enabled]);

  useEffect(() => {
    if (!key) return;
    return () => store.getState().clearLogs(key);
  }, [key, store]);

  return key;
}
