import { useEffect, useState } from 'react';
import { ApiRequestError } from '../../api/errors.js';
import { realSleeper } from '../../api/watch.js';
import { useServices } from '../../store/context.js';
import { parseIngresses, type IngressInfo } from './answers.js';

/**
 * The Ingresses of one namespace (`'*'`: of all; undefined: none asked), listed while a view that
 * needs them is shown and again every 10 s (the ingress controller fills their status in after
 * creation). Not served (404): none.
 */
export function useIngresses(namespace: string | undefined): IngressInfo[] {
  const { api } = useServices();
  const [list, setList] = useState<IngressInfo[]>([]);
  useEffect(() => {
    if (!namespace) return;
    const abort = new AbortController();
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          const path = namespace === '*' ? '/apis/networking.k8s.io/v1/ingresses' : `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/ingresses`;
          const body = await api.json('GET', path, { signal: abort.signal });
          if (!abort.signal.aborted) setList(parseIngresses(body));
        } catch (e) {
          if (e instanceof ApiRequestError && e.code === 404 && !abort.signal.aborted) setList([]);
        }
        await realSleeper.sleep(10_000, abort.signal);
      }
    })();
    return () => abort.abort();
  }, [api, namespace]);
  return list;
}
