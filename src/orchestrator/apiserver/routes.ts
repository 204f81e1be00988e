import { errors } from '../api/errors.js';
import { findResource, type ResourceType } from '../api/resources.js';
import { BadRequestTarget, decodePathSegment } from '../util/requestTarget.js';

/** A request path resolved to a resource, as kube-apiserver's RequestInfo. */
export interface ResourceRoute {
  type: 'resource';
  r: ResourceType;
  group: string;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface UnknownResourceRoute {
  type: 'unknown';
  group: string;
  version: string;
  resource: string;
}

/**
 * Parses `/api/v1/...` and `/apis/<g>/<v>/...` paths; undefined for anything else (discovery etc.).
 * Segments are percent-decoded; a malformed escape, or a namespace or name that cannot be a path
 * segment (`.`, `..`, or holding `/` or `%` once decoded), is a 400 as kube-apiserver words it.
 */
export function parseResourcePath(pathname: string): ResourceRoute | UnknownResourceRoute | undefined {
  let segs: string[];
  try {
    segs = pathname.split('/').filter((s) => s !== '').map(decodePathSegment);
  } catch (e) {
    if (e instanceof BadRequestTarget) throw errors.badRequest(e.message);
    throw e;
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1] as string;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1] as string;
    version = segs[2] as string;
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // `/namespaces/<ns>/<resource>...` is a namespaced path unless the third segment is a namespace subresource.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return undefined;
  checkSegment('Namespace', namespace);
  checkSegment('Name', name);
  const r = findResource(group, version, resource);
  if (!r) return { type: 'unknown', group, version, resource };
  if (namespace !== undefined && !r.namespaced) return { type: 'unknown', group, version, resource };
  return { type: 'resource', r, group, version, namespace, name, subresource };
}

/** apimachinery's IsValidPathSegmentName, as the registry's key functions apply it. */
function checkSegment(what: 'Namespace' | 'Name', value: string | undefined): void {
  if (value === undefined) return;
  const msgs: string[] = [];
  if (value === '.' || value === '..') msgs.push(`may not be '${value}'`);
  for (const c of ['/', '%']) if (value.includes(c)) msgs.push(`may not contain '${c}'`);
  if (msgs.length) throw errors.badRequest(`${what} parameter invalid: ${JSON.stringify(value)}: ${msgs.join(';')}`);
}
