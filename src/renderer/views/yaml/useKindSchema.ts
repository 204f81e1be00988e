import { useEffect, useState } from 'react';
import { useServices } from '../../store/context.js';
import { kindSchema, type KindSchema } from './openapi.js';

/** The server's schema of a kind, once fetched (undefined until then, or when the server has none). */
export function useKindSchema(group: string | undefined, version: string | undefined, kind: string | undefined): KindSchema | undefined {
  const { api } = useServices();
  const [schema, setSchema] = useState<KindSchema | undefined>(undefined);
  useEffect(() => {
    if (version === undefined || !kind) return;
    let live = true;
    kindSchema(api, group ?? '', version, kind).then(
      (s) => live && setSchema(s),
      () => live && setSchema(undefined),
    );
    return () => {
      live = false;
    };
  }, [api, group, version, kind]);
  return schema;
}
