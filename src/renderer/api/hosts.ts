import { apiVersionOf, resourceType } from '../../orchestrator/api/resources.js';
import type { Host, HostSpec, KubeObject, StatusCause } from '../../orchestrator/api/types.js';
import type { KubeApi } from './client.js';
import { ApiRequestError, messageOf } from './errors.js';

export type { Host, HostPhase, HostSpec, HostStatus, HostStep, StepState as HostStepState } from '../../orchestrator/api/types.js';

/** What the add-host form collects. */
export interface AddHostInput {
  name: string;
  address: string;
  port: number;
  user: string;
  /** PEM/OpenSSH private key; ignored when `useAgent`. */
  privateKey: string;
  /** The key's passphrase, when it is encrypted (kept in the same Secret). */
  passphrase?: string;
  useAgent: boolean;
  /** The host key the user confirmed (`SHA256:…`): pinned in spec.hostKeyFingerprint. */
  hostKeyFingerprint?: string;
  /** Editing a host whose key Secret exists: an empty private key keeps it. */
  keepExistingKey?: boolean;
}

/** The form's labels, for saying what is wrong in its own words. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  name: 'Name',
  address: 'Address',
  port: 'Port',
  user: 'User',
  privateKey: 'Private key',
  passphrase: 'Key passphrase',
};

/** An existing host with the same name, or the same address and port: adding must ask, not overwrite. */
export function duplicateOf(hosts: Iterable<Host>, input: Pick<AddHostInput, 'name' | 'address' | 'port'>): { host: Host; by: 'name' | 'address' } | undefined {
  const address = input.address.trim().toLowerCase();
  for (const h of hosts) {
    if (h.metadata.name === input.name) return { host: h, by: 'name' };
  }
  for (const h of hosts) {
    if (h.spec.address.trim().toLowerCase() === address && (h.spec.port ?? 22) === input.port) return { host: h, by: 'address' };
  }
  return undefined;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A host name proposed from an address: `10.0.0.2` -> `10-0-0-2`, `Box.Local` -> `box-local`. */
export function hostNameFromAddress(address: string): string {
  return address.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 53);
}

/** Field problems in the form, in the same shape the server reports them. Empty when valid. */
export function validateAddHost(input: AddHostInput): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!DNS1123.test(input.name) || input.name.length > 53) {
    causes.push({ field: 'name', message: 'lower-case letters, digits and "-", starting and ending with a letter or digit (max 53)' });
  }
  if (input.address.trim() === '') causes.push({ field: 'address', message: 'Required value' });
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) causes.push({ field: 'port', message: 'must be 1-65535' });
  if (input.user.trim() === '') causes.push({ field: 'user', message: 'Required value' });
  if (!input.useAgent && !(input.keepExistingKey && input.privateKey.trim() === '') && !input.privateKey.includes('PRIVATE KEY')) {
    causes.push({ field: 'privateKey', message: 'paste a private key (-----BEGIN ... PRIVATE KEY-----) or use ssh-agent' });
  }
  return causes;
}

export function secretNameFor(hostName: string): string {
  return `skiff-host-${hostName}`;
}

export interface AddHostResult {
  host: Host;
  /** Set when the host was created but a follow-up step failed (it still provisions). */
  warning?: string;
}

/**
 * Creates (or updates) the key Secret and then the Host, both by server-side apply so a retry after
 * a failure is harmless. Afterwards the Secret is given the Host as owner, so the garbage collector
 * removes the key once the Host is gone (not before: removing a host still needs SSH).
 */
export async function addHost(api: KubeApi, input: AddHostInput): Promise<AddHostResult> {
  const causes = validateAddHost(input);
  if (causes.length > 0) throw new ApiRequestError(422, 'The host is invalid', 'Invalid', causes);
  const secrets = resourceType('secrets');
  const hosts = resourceType('hosts');
  const secretName = secretNameFor(input.name);
  const secret = (extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: apiVersionOf(secrets),
    kind: 'Secret',
    metadata: { name: secretName, namespace: 'kube-system', labels: { 'skiff.dev/host': input.name }, ...extra },
    type: 'kubernetes.io/ssh-auth',
    stringData: { 'ssh-privatekey': input.privateKey.trim() + '\n', ...(input.passphrase ? { 'ssh-passphrase': input.passphrase } : {}) },
  });
  const newKey = !input.useAgent && input.privateKey.trim() !== '';
  if (newKey) await api.apply(secret());
  const spec: HostSpec = { address: input.address.trim(), port: input.port, user: input.user.trim(), useAgent: input.useAgent };
  if (!input.useAgent) spec.privateKeySecretRef = { namespace: 'kube-system', name: secretName };
  if (input.hostKeyFingerprint) spec.hostKeyFingerprint = input.hostKeyFingerprint;
  const applied = await api.apply({ apiVersion: apiVersionOf(hosts), kind: 'Host', metadata: { name: input.name }, spec });
  const host = applied.object as Host;
  if (!newKey || !host.metadata.uid) return { host };
  try {
    const owner = { apiVersion: apiVersionOf(hosts), kind: 'Host', name: input.name, uid: host.metadata.uid };
    await api.apply(secret({ ownerReferences: [owner] }));
    return { host };
  } catch (e) {
    return { host, warning: `the host was added, but its key Secret could not be linked to it: ${messageOf(e)}` };
  }
}

/**
 * Asks the host controller to try again now rather than at its next back-off: any change to the
 * Host enqueues it, and this annotation says when (and that a person asked).
 */
export async function retryHost(api: KubeApi, name: string, now: string): Promise<void> {
  await api.mergePatch(resourceType('hosts'), undefined, name, { metadata: { annotations: { 'skiff.dev/retry-requested-at': now } } });
}

/** Deletes a Host; its controller stops the agent and removes containers, then lets it go. */
export async function removeHost(api: KubeApi, name: string): Promise<void> {
  await api.delete(resourceType('hosts'), undefined, name);
}
