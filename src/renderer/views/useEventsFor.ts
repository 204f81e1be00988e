import { useMemo } from 'react';
import type { KubeEvent } from '../../orchestrator/api/types.js';
import { eventTime } from '../graph/pendingReasons.js';
import { useApp } from '../store/context.js';

/** Events about one object, newest first (scans events only when they change, and only while shown). */
export function useEventsFor(kind: string, namespace: string | undefined, name: string): KubeEvent[] {
  const events = useApp((s) => s.cluster.events);
  return useMemo(() => {
    const out: KubeEvent[] = [];
    for (const e of Object.values(events)) {
      const o = e.involvedObject;
      if (o?.kind === kind && o.name === name && (namespace === undefined || (o.namespace ?? '') === namespace)) out.push(e);
    }
    return out.sort((a, b) => eventTime(b) - eventTime(a));
  }, [events, kind, namespace, name]);
}
