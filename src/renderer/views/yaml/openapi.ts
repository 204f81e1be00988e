import type { KubeApi } from '../../api/client.js';
import { rootSchema, schemasOf, type Schema, type Schemas } from './schema.js';

/** A kind's schema: the group-version's component schemas and the kind's root among them. */
export interface KindSchema {
  schemas: Schemas;
  root: Schema | undefined;
}

const docs = new Map<string, Promise<Schemas>>();

/** `api/v1`, `apis/apps/v1`: where the server serves a group-version's OpenAPI v3 document. */
export function openapiPath(group: string, version: string): string {
  return group ? `/openapi/v3/apis/${group}/${version}` : `/openapi/v3/api/${version}`;
}

/**
 * The server's own schema of a kind (`/openapi/v3/...`), fetched once per group-version and page.
 * A failed fetch is forgotten, so the next editor asks again.
 */
export function kindSchema(api: KubeApi, group: string, version: string, kind: string): Promise<KindSchema> {
  const path = openapiPath(group, version);
  let p = docs.get(path);
  if (!p) {
    p = api.json('GET', path).then(schemasOf);
    docs.set(path, p);
    p.catch(() => docs.delete(path));
  }
  return p.then((schemas) => ({ schemas, root: rootSchema(schemas, group, version, kind) }));
}
