import { normalizeFingerprint } from './fingerprint.js';
import type { HostSpec } from './types.js';

/** A Host spec checked and with defaults applied. */
export interface NormalizedHostSpec {
  address: string;
  port: number;
  user: string;
  privateKeySecretRef?: { namespace: string; name: string };
  useAgent: boolean;
  hostKeyFingerprint?: string;
}

/**
 * Checks a Host's spec (it arrives from users as `unknown`). Returns every problem with its field
 * path, or the normalized spec. An invalid spec is a user error: reported, not retried.
 */
export function parseHostSpec(input: unknown): { spec: NormalizedHostSpec; errors: [] } | { spec?: undefined; errors: string[] } {
  const errors: string[] = [];
  const s = (typeof input === 'object' && input !== null ? input : {}) as Partial<Record<keyof HostSpec, unknown>>;
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const address = str(s.address);
  if (!address) errors.push('spec.address: Required value');
  else if (/[\s/@]/.test(address)) errors.push(`spec.address: Invalid value: "${address}": a host name or IP address`);
  let port = 22;
  if (s.port !== undefined) {
    if (typeof s.port !== 'number' || !Number.isInteger(s.port) || s.port < 1 || s.port > 65535) errors.push(`spec.port: Invalid value: ${JSON.stringify(s.port)}: must be 1-65535`);
    else port = s.port;
  }
  const user = str(s.user);
  if (!user) errors.push('spec.user: Required value');
  let ref: NormalizedHostSpec['privateKeySecretRef'];
  if (s.privateKeySecretRef !== undefined) {
    const r = s.privateKeySecretRef as { namespace?: unknown; name?: unknown } | null;
    const namespace = str(r?.namespace);
    const name = str(r?.name);
    if (!namespace || !name) errors.push('spec.privateKeySecretRef: Invalid value: needs namespace and name');
    else ref = { namespace, name };
  }
  if (s.useAgent !== undefined && typeof s.useAgent !== 'boolean') errors.push('spec.useAgent: Invalid value: must be true or false');
  const useAgent = s.useAgent === true;
  if (!ref && !useAgent && s.privateKeySecretRef === undefined) errors.push('spec: Required value: set privateKeySecretRef or useAgent');
  let fp: string | undefined;
  if (s.hostKeyFingerprint !== undefined && s.hostKeyFingerprint !== '') {
    fp = normalizeFingerprint(str(s.hostKeyFingerprint));
    if (!fp) errors.push(`spec.hostKeyFingerprint: Invalid value: ${JSON.stringify(s.hostKeyFingerprint)}: expected SHA256:<base64>, as ssh-keygen -lf prints`);
  }
  if (errors.length) return { errors };
  return { spec: { address, port, user, useAgent, ...(ref ? { privateKeySecretRef: ref } : {}), ...(fp ? { hostKeyFingerprint: fp } : {}) }, errors: [] };
}
