import { utils } from 'ssh2';
import { isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { NormalizedHostSpec } from './spec.js';
import { SshAuthError } from './sshErrors.js';

export const PRIVATE_KEY_FIELD = 'ssh-privatekey';

export interface Credentials {
  privateKey?: Buffer;
  agentSocket?: string;
}

/**
 * The credentials a Host names: the private key from its Secret (checked to be a usable key, so a
 * bad Secret gets its own message rather than a vague authentication failure) and/or the ssh-agent.
 */
export async function loadCredentials(client: Client, spec: NormalizedHostSpec, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const out: Credentials = {};
  const ref = spec.privateKeySecretRef;
  if (ref) {
    const where = `Secret ${ref.namespace}/${ref.name} (spec.privateKeySecretRef)`;
    let secret: KubeObject & { data?: Record<string, string> };
    try {
      secret = await client.get('secrets', ref.namespace, ref.name);
    } catch (e) {
      if (isNotFound(e)) throw new Error(`${where} not found`);
      throw e;
    }
    const b64 = secret.data?.[PRIVATE_KEY_FIELD];
    if (!b64) throw new SshAuthError(`${where} has no data.${PRIVATE_KEY_FIELD}`);
    const key = Buffer.from(b64, 'base64');
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error) throw new SshAuthError(`${where}: data.${PRIVATE_KEY_FIELD} is not a usable private key: ${parsed.message}`);
    out.privateKey = key;
  }
  if (spec.useAgent) {
    const sock = env.SSH_AUTH_SOCK;
    if (!sock) {
      if (!out.privateKey) throw new SshAuthError('spec.useAgent is set but the control plane has no ssh-agent (SSH_AUTH_SOCK is not set)');
    } else out.agentSocket = sock;
  }
  return out;
}
