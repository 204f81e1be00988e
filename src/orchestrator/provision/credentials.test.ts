import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCluster } from '../testing/memoryCluster.js';
import { loadCredentials } from './credentials.js';
import { SshAuthError } from './sshErrors.js';

describe('loadCredentials', () => {
  let cluster: Awaited<ReturnType<typeof memoryCluster>>;
  let key: Buffer;
  const spec = (extra: object) => ({ address: 'h', port: 22, user: 'root', useAgent: false, ...extra });
  const ref = (name: string) => ({ privateKeySecretRef: { namespace: 'default', name } });

  beforeAll(async () => {
    cluster = await memoryCluster();
    const dir = mkdtempSync(join(tmpdir(), 'skiff-cred-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    key = readFileSync(join(dir, 'k'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-f', join(dir, 'locked')]);
    const locked = readFileSync(join(dir, 'locked')).toString('base64');
    rmSync(dir, { recursive: true });
    const secret = (name: string, data: Record<string, string>) => cluster.client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data });
    await secret('good', { 'ssh-privatekey': key.toString('base64') });
    await secret('garbage', { 'ssh-privatekey': Buffer.from('not a key').toString('base64') });
    await secret('empty', {});
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    await secret('locked', { 'ssh-privatekey': locked });
    await secret('locked-wrong', { 'ssh-privatekey': locked, 'ssh-passphrase': b64('open barley') });
    await secret('locked-right', { 'ssh-privatekey': locked, 'ssh-passphrase': b64('open sesame') });
  });
  afterAll(() => cluster.dispose());

  it('reads the key from the Secret', async () => {
    expect((await loadCredentials(cluster.client, spec(ref('good')), {})).privateKey?.equals(key)).toBe(true);
  });

  it('explains each bad Secret', async () => {
    await expect(loadCredentials(cluster.client, spec(ref('missing')), {})).rejects.toThrow('Secret default/missing (spec.privateKeySecretRef) not found');
    await expect(loadCredentials(cluster.client, spec(ref('empty')), {})).rejects.toThrow('Secret default/empty (spec.privateKeySecretRef) has no data.ssh-privatekey');
    await expect(loadCredentials(cluster.client, spec(ref('garbage')), {})).rejects.toThrow(/data\.ssh-privatekey is not a usable private key/);
    await expect(loadCredentials(cluster.client, spec(ref('garbage')), {})).rejects.toBeInstanceOf(SshAuthError);
  });

  it('decrypts an encrypted key with the passphrase beside it, and says when it is missing or wrong', async () => {
    const creds = await loadCredentials(cluster.client, spec(ref('locked-right')), {});
    expect(creds.passphrase).toBe('open sesame');
    expect(creds.privateKey?.toString()).toContain('BEGIN OPENSSH PRIVATE KEY');
    await expect(loadCredentials(cluster.client, spec(ref('locked')), {})).rejects.toThrow('Secret default/locked (spec.privateKeySecretRef): the private key is encrypted: give its passphrase (data.ssh-passphrase)');
    await expect(loadCredentials(cluster.client, spec(ref('locked-wrong')), {})).rejects.toThrow('Secret default/locked-wrong (spec.privateKeySecretRef): the passphrase (data.ssh-passphrase) does not decrypt the private key');
    expect((await loadCredentials(cluster.client, spec(ref('good')), {})).passphrase).toBeUndefined();
  });

  it('uses the ssh-agent when asked, and says when there is none', async () => {
    expect(await loadCredentials(cluster.client, spec({ useAgent: true }), { SSH_AUTH_SOCK: '/run/agent.sock' })).toEqual({ agentSocket: '/run/agent.sock' });
    await expect(loadCredentials(cluster.client, spec({ useAgent: true }), {})).rejects.toThrow('spec.useAgent is set but the control plane has no ssh-agent (SSH_AUTH_SOCK is not set)');
  });
});
