import { useEffect, useMemo, useState } from 'react';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import type { ApiKind } from '../../api/discovery.js';
import { listTable } from '../../api/tables.js';
import { useApp, useServices } from '../../store/context.js';
import { WATCHED_KINDS } from '../../store/kinds.js';
import { searchEntry, type SearchEntry } from './search.js';
import { watchedKindOf } from './useObject.js';

/** Kinds not worth searching: events come and go by the thousand. */
const SKIP = new Set(['events', 'leases', 'endpointslices']);

/**
 * Everything the palette can find: objects of the watched kinds from the store (current), and
 * the names of every other listable kind, listed once when the palette opens.
 */
export function useSearchIndex(): SearchEntry[] {
  const { api } = useServices();
  const kinds = useApp((s) => s.kinds);
  const cluster = useApp((s) => s.cluster);
  const [remote, setRemote] = useState<SearchEntry[]>([]);

  useEffect(() => {
    const abort = new AbortController();
    const others = kinds.filter((k) => k.verbs.includes('list') && !watchedKindOf(k) && !SKIP.has(k.resource));
    const found: SearchEntry[] = [];
    let i = 0;
    // Three at a time: the palette must not hold every connection the page has.
    const worker = async () => {
      while (i < others.length && !abort.signal.aborted) {
        const k = others[i++] as ApiKind;
        try {
          const t = await listTable(api, k, {}, abort.signal);
          for (const r of t.rows) found.push(searchEntry(k, r.metadata.namespace, r.metadata.name ?? ''));
        } catch {
          // A kind that cannot be listed is simply not searchable.
        }
      }
    };
    void Promise.all([worker(), worker(), worker()]).then(() => {
      if (!abort.signal.aborted) setRemote(found);
    });
    return () => abort.abort();
  }, [api, kinds]);

  const local = useMemo(() => {
    const out: SearchEntry[] = [];
    for (const wk of WATCHED_KINDS) {
      if (SKIP.has(wk)) continue;
      const kind = kinds.find((k) => watchedKindOf(k) === wk);
      if (!kind) continue;
      for (const o of Object.values(cluster[wk]) as KubeObject[]) out.push(searchEntry(kind, o.metadata.namespace, o.metadata.name ?? ''));
    }
    return out;
  }, [cluster, kinds]);

  return useMemo(() => [...local, ...remote], [local, remote]);
}
