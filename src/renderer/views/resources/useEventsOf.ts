import { useMemo } from 'react';
import type { KubeEvent, KubeObject } from '../../../orchestrator/api/types.js';
import { eventTime } from '../../graph/pendingReasons.js';
import { useApp } from '../../store/context.js';

/** Events about one object (by uid when they name one, else by kind and name), newest first. */
export function useEventsOf(obj: KubeObject | undefined): KubeEvent[] {
  const events = useApp((s) => s.cluster.events);
  const uid = obj?.metadata.uid;
  const kind = obj?.kind;
  const name = obj?.metadata.name;
  const ns = obj?.metadata.namespace;
  return useMemo(() => {
    if (!kind) return [];
    const out: KubeEvent[] = [];
    for (const e of Object.values(events)) {
      const o = e.involvedObject;
      if (!o) continue;
      if (o.uid && uid ? o.uid === uid : o.kind === kind && o.name === name && (o.namespace ?? '') === (ns ?? '')) out.push(e);
    }
    return out.sort((a, b) => eventTime(b) - eventTime(a));
  }, [events, uid, kind, name, ns]);
}
