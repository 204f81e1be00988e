/**
 * The request target of an HTTP request (`req.url`), parsed without ever throwing anything but a
 * {@link BadRequestTarget}: `new URL('//', base)` throws, and so does `decodeURIComponent('%E0%A4%A')`;
 * an exception in a synchronous request listener takes the whole process down. Shared by every
 * HTTP server Skiff runs (the API server, the UI server, the kubelet API of each node).
 */

/** A request target that cannot be served; every server answers it with a 400. */
export class BadRequestTarget extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestTarget';
  }
}

export interface RequestTarget {
  /** The path as sent (percent-encoding kept, dot segments not resolved), `/` when empty. */
  pathname: string;
  query: URLSearchParams;
  /** The query as sent, with its `?` (empty when there is none). */
  search: string;
}

const ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * Splits `raw` into its path and query, as Go's `url.ParseRequestURI` does for kube-apiserver:
 * origin-form (`/path?query`) or absolute-form (`http://host/path?query`); a malformed
 * percent-escape in the path is refused (`invalid URL escape "%A"`). Dot segments are not resolved
 * here: a path segment `..` reaches routing as a name, and the API refuses such names.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget {
  let target = raw ?? '/';
  if (/^https?:\/\//i.test(target)) {
    // Absolute-form (proxies send it): keep only the path and query.
    const rest = target.slice(target.indexOf('//') + 2);
    const slash = rest.search(/[/?]/);
    target = slash < 0 ? '/' : rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash);
  }
  if (!target.startsWith('/')) throw new BadRequestTarget(`invalid request URI ${JSON.stringify(target.slice(0, 64))}`);
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const bad = ESCAPE.exec(pathname);
  if (bad) throw new BadRequestTarget(`invalid URL escape ${JSON.stringify(pathname.slice(bad.index, bad.index + 3))}`);
  const search = q < 0 ? '' : target.slice(q);
  return { pathname: pathname || '/', query: new URLSearchParams(search.slice(1)), search };
}

/**
 * One path segment, percent-decoded. A malformed escape, or escapes that do not spell UTF-8, are a
 * {@link BadRequestTarget} (no name Kubernetes accepts contains either).
 */
export function decodePathSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  const bad = ESCAPE.exec(segment);
  if (bad) throw new BadRequestTarget(`invalid URL escape ${JSON.stringify(segment.slice(bad.index, bad.index + 3))}`);
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestTarget(`invalid UTF-8 in the path segment ${JSON.stringify(segment.slice(0, 64))}`);
  }
}
