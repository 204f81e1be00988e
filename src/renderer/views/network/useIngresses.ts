import { useMemo } from 'react';
import { ingressInfoOf, type IngressInfo } from '../../graph/ingresses.js';
import { useApp } from '../../store/context.js';

/**
 * The Ingresses of one namespace (`'*'`: of all; undefined: none asked), from the store's watch of
 * them (the canvas draws them too), each read once per version.
 */
export function useIngresses(namespace: string | undefined): IngressInfo[] {
  const all = useApp((s) => s.cluster.ingresses);
  return useMemo(() => {
    if (!namespace) return [];
    const prefix = namespace === '*' ? '' : `${namespace}/`;
    return Object.keys(all)
      .filter((k) => k.startsWith(prefix))
      .map((k) => ingressInfoOf(all[k] as NonNullable<(typeof all)[string]>))
      .filter((i): i is IngressInfo => i !== undefined);
  }, [all, namespace]);
}
