import type { RegistryAuth } from '../runtime/types.js';
import type { DataObject } from './objectCache.js';

interface DockerEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** One credential from a pull secret, for the registries `pattern` matches. */
export interface Credential {
  /** `host[:port][/path]`, the host possibly a glob (`*.example.com`). */
  pattern: string;
  auth: RegistryAuth;
}

/** `https://index.docker.io/v1/` -> `index.docker.io`; `http://r:5000/team` -> `r:5000/team`. */
function normalizeKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  if (k === 'index.docker.io/v1' || k === 'registry-1.docker.io' || k === 'docker.io') k = 'index.docker.io';
  return k;
}

function entryAuth(key: string, e: DockerEntry): RegistryAuth | undefined {
  let { username, password } = e;
  if (e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      username = decoded.slice(0, i);
      password = decoded.slice(i + 1);
    }
  }
  if (!username && !e.identitytoken && !e.registrytoken) return undefined;
  const serveraddress = normalizeKey(key) === 'index.docker.io' ? 'https://index.docker.io/v1/' : normalizeKey(key).split('/')[0];
  return {
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(e.identitytoken ? { identitytoken: e.identitytoken } : {}),
    ...(e.registrytoken ? { registrytoken: e.registrytoken } : {}),
    ...(serveraddress ? { serveraddress } : {}),
  };
}

/**
 * The credentials of the pod's pull secrets: Secrets of type `kubernetes.io/dockerconfigjson`
 * (`.dockerconfigjson`: `{"auths": {registry: entry}}`) and `kubernetes.io/dockercfg`
 * (`.dockercfg`: `{registry: entry}`), each entry with `auth` (base64 `user:password`) or
 * `username`/`password`. Malformed secrets are skipped (returned in `bad`).
 */
export function credentialsOf(secrets: DataObject[]): { creds: Credential[]; bad: string[] } {
  const creds: Credential[] = [];
  const bad: string[] = [];
  for (const s of secrets) {
    const json = s.data?.['.dockerconfigjson'] ?? s.data?.['.dockercfg'];
    if (!json) {
      bad.push(s.metadata.name ?? '');
      continue;
    }
    try {
      const parsed = JSON.parse(Buffer.from(json, 'base64').toString('utf8')) as Record<string, unknown>;
      const auths = (s.data?.['.dockerconfigjson'] ? parsed.auths : parsed) as Record<string, DockerEntry> | undefined;
      for (const [key, entry] of Object.entries(auths ?? {})) {
        const auth = entry && typeof entry === 'object' ? entryAuth(key, entry) : undefined;
        if (auth) creds.push({ pattern: normalizeKey(key), auth });
      }
    } catch {
      bad.push(s.metadata.name ?? '');
    }
  }
  return { creds, bad };
}

/** The registry host and repository path of an image reference (`docker.io` for Docker Hub names). */
export function imageRegistry(image: string): { host: string; path: string } {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.indexOf('/');
  const first = slash < 0 ? '' : noDigest.slice(0, slash);
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const rest = hasHost ? noDigest.slice(slash + 1) : noDigest;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? rest.slice(0, colon) : rest;
  if (!hasHost) return { host: 'index.docker.io', path: repo.includes('/') ? repo : `library/${repo}` };
  return { host: first, path: repo };
}

function globHost(pattern: string, host: string): boolean {
  const [ph, pp] = splitPort(pattern);
  const [hh, hp] = splitPort(host);
  if (pp !== hp) return false;
  const pparts = ph.split('.');
  const hparts = hh.split('.');
  if (pparts.length !== hparts.length) return false;
  return pparts.every((p, i) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*')}$`).test(hparts[i] ?? ''));
}

function splitPort(h: string): [string, string] {
  const i = h.lastIndexOf(':');
  return i > 0 && !h.includes(']', i) ? [h.slice(0, i), h.slice(i + 1)] : [h, ''];
}

/**
 * The credentials that apply to `image`, most specific first, as the kubelet's keyring matches
 * them (`URLsMatchStr`): same host (globs allowed per label), same port, and the key's path a
 * prefix of the image's repository. The kubelet tries each in turn until a pull succeeds.
 */
export function credentialsFor(image: string, creds: Credential[]): RegistryAuth[] {
  const { host, path } = imageRegistry(image);
  const matched = creds.filter((c) => {
    const slash = c.pattern.indexOf('/');
    const ph = slash < 0 ? c.pattern : c.pattern.slice(0, slash);
    const pp = slash < 0 ? '' : c.pattern.slice(slash + 1);
    if (!globHost(ph, host)) return false;
    return !pp || path === pp || path.startsWith(`${pp}/`);
  });
  return matched.sort((a, b) => b.pattern.length - a.pattern.length).map((c) => c.auth);
}
