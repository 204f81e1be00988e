import { useEffect, useState } from 'react';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import { kindPath } from '../../api/discovery.js';
import { ApiRequestError, messageOf } from '../../api/errors.js';
import { isKubeObject } from '../../api/guards.js';
import { useApp, useServices } from '../../store/context.js';
import { WATCHED_KINDS, type WatchedKind } from '../../store/kinds.js';
import type { ObjectRef } from '../../store/resourcesSlice.js';

const WATCHED_GROUPS: Record<WatchedKind, string> = {
  nodes: '',
  pods: '',
  services: '',
  endpoints: '',
  events: '',
  deployments: 'apps',
  replicasets: 'apps',
  jobs: 'batch',
  ingresses: 'networking.k8s.io',
  hosts: 'skiff.dev',
};

/** The store's kind for a ref, when the app already watches it. */
export function watchedKindOf(ref: Pick<ObjectRef, 'group' | 'resource'>): WatchedKind | undefined {
  return WATCHED_KINDS.find((k) => k === ref.resource && WATCHED_GROUPS[k] === ref.group);
}

export interface LiveObject {
  object?: KubeObject;
  /** Set when it could not be read; `gone` when the server says it does not exist. */
  error?: string;
  gone?: boolean;
}

const POLL_MS = 3000;

/**
 * An object kept current while shown: from the store for the kinds the app watches, else read
 * with GET and read again every few seconds and at once after an action (`refreshTick`). It only
 * reads: the details panel records what commands act on (ObjectDetails, `setDetailObject`).
 */
export function useObject(ref: ObjectRef | undefined): LiveObject {
  const { api } = useServices();
  const watched = ref ? watchedKindOf(ref) : undefined;
  const key = ref ? (ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name) : '';
  const fromStore = useApp((s) => (watched ? (s.cluster[watched] as Readonly<Record<string, KubeObject>>)[key] : undefined));
  const synced = useApp((s) => (watched ? s.synced[watched] : false));
  const tick = useApp((s) => s.refreshTick);
  const [fetched, setFetched] = useState<LiveObject>({});
  const path = ref ? kindPath(ref, ref.namespace, ref.name) : '';

  useEffect(() => {
    if (!ref || watched) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const body = await api.json('GET', path);
        if (stop) return;
        setFetched(isKubeObject(body) ? { object: body } : { error: 'not an object' });
      } catch (e) {
        if (stop) return;
        setFetched((cur) => (e instanceof ApiRequestError && e.code === 404 ? { gone: true, error: messageOf(e) } : { ...cur, error: messageOf(e) }));
      }
      if (!stop) timer = setTimeout(() => void load(), POLL_MS);
    };
    void load();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
    // `ref` is read through `path`: a new object with the same place must not refetch.
  }, [api, path, watched, tick]);

  if (watched) return fromStore ? { object: fromStore } : synced ? { gone: true, error: `${ref?.kind} ${key} is gone` } : {};
  return fetched;
}
