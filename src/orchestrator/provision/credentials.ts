import { utils } from 'ssh2';
import { isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { NormalizedHostSpec } from './spec.js';
import { SshAuthError } from './sshErrors.js';

export const PRIVATE_KEY_FIELD = 'ssh-privatekey';
/** The key's passphrase, when it has one, beside it in the same Secret. */
export const PASSPHRASE_FIELD = 'ssh-passphrase';

export interface Credentials {
  privateKey?: Buffer;
  passphrase?: string;
  agentSocket?: string;
}

/**
 * The credentials a Host names: the private key from its Secret, with its passphrase when it has one
 * (checked to be a usable key, so a bad Secret or a wrong passphrase gets its own message rather than
 * a vague authentication failure) and/or the ssh-agent.
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
    const pass = secret.data?.[PASSPHRASE_FIELD];
    const passphrase = pass ? Buffer.from(pass, 'base64').toString('utf8') : undefined;
    const parsed = utils.parseKey(key, passphrase);
    if (parsed instanceof Error) {
      // ssh2 words these "Encrypted private OpenSSH key detected, but no passphrase given" and "bad passphrase".
      if (/encrypted/i.test(parsed.message) && !passphrase) throw new SshAuthError(`${where}: the private key is encrypted: give its passphrase (data.${PASSPHRASE_FIELD})`);
      if (passphrase && /passphrase|decrypt/i.test(parsed.message)) throw new SshAuthError(`${where}: the passphrase (data.${PASSPHRASE_FIELD}) does not decrypt the private key`);
      throw new SshAuthError(`${where}: data.${PRIVATE_KEY_FIELD} is not a usable private key: ${parsed.message}`);
    }
    out.privateKey = key;
    if (passphrase) out.passphrase = passphrase;
  }
  if (spec.useAgent) {
    const sock = env.SSH_AUTH_SOCK;
    if (!sock) {
      if (!out.privateKey) throw new SshAuthError('spec.useAgent is set but the control plane has no ssh-agent (SSH_AUTH_SOCK is not set)');
    } else out.agentSocket = sock;
  }
  return out;
}
