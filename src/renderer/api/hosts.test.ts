import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from './client.js';
import { ApiRequestError } from './errors.js';
import { fetchHostKey } from './hostKey.js';
import { addHost, duplicateOf, hostNameFromAddress, validateAddHost, type AddHostInput } from './hosts.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
const input: AddHostInput = { name: 'lab-1', address: '10.0.0.2', port: 22, user: 'root', privateKey: KEY, useAgent: false };

describe('add host', () => {
  it('proposes a DNS name from an address and validates the form', () => {
    expect(hostNameFromAddress(' 10.0.0.2 ')).toBe('10-0-0-2');
    expect(hostNameFromAddress('Box.Local')).toBe('box-local');
    expect(validateAddHost(input)).toEqual([]);
    expect(validateAddHost({ ...input, name: 'Bad_Name', port: 0, privateKey: '' }).map((c) => c.field)).toEqual(['name', 'port', 'privateKey']);
    expect(validateAddHost({ ...input, privateKey: '', useAgent: true })).toEqual([]);
  });

  it('creates the key Secret, then the Host, then links the Secret to its Host', async () => {
    const calls: { url: string; body: Record<string, unknown> }[] = [];
    const fetchFn: FetchFn = async (url, init) => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      calls.push({ url, body });
      const out = url.includes('/hosts/') ? { ...body, metadata: { name: 'lab-1', uid: 'u-1' } } : body;
      return new Response(JSON.stringify(out), { status: 201 });
    };
    const { host, warning } = await addHost(new KubeApi(fetchFn), input);
    expect(warning).toBeUndefined();
    expect(host.metadata.uid).toBe('u-1');
    expect(calls.map((c) => c.url.split('?')[0])).toEqual([
      '/k8s/api/v1/namespaces/kube-system/secrets/skiff-host-lab-1',
      '/k8s/apis/skiff.dev/v1alpha1/hosts/lab-1',
      '/k8s/api/v1/namespaces/kube-system/secrets/skiff-host-lab-1',
    ]);
    expect(calls[0]?.body).toMatchObject({ type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': KEY + '\n' } });
    expect((calls[0]?.body.stringData as Record<string, string>)['ssh-passphrase']).toBeUndefined();
    expect(calls[1]?.body).toMatchObject({ spec: { address: '10.0.0.2', port: 22, user: 'root', useAgent: false, privateKeySecretRef: { namespace: 'kube-system', name: 'skiff-host-lab-1' } } });
    expect(calls[2]?.body).toMatchObject({ metadata: { ownerReferences: [{ kind: 'Host', name: 'lab-1', uid: 'u-1' }] } });
  });

  it("keeps an encrypted key's passphrase beside it in the Secret", async () => {
    const bodies: Record<string, unknown>[] = [];
    const fetchFn: FetchFn = async (url, init) => {
      bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
      return new Response(JSON.stringify(url.includes('/hosts/') ? { ...bodies.at(-1), metadata: { name: 'lab-1', uid: 'u-1' } } : bodies.at(-1)), { status: 201 });
    };
    await addHost(new KubeApi(fetchFn), { ...input, passphrase: 'open sesame' });
    expect(bodies[0]).toMatchObject({ stringData: { 'ssh-privatekey': KEY + '\n', 'ssh-passphrase': 'open sesame' } });
  });

  it('with ssh-agent sends no Secret; an invalid form sends nothing', async () => {
    const urls: string[] = [];
    const fetchFn: FetchFn = async (url, init) => {
      urls.push(url);
      return new Response(String(init?.body), { status: 201 });
    };
    await addHost(new KubeApi(fetchFn), { ...input, useAgent: true, privateKey: '' });
    expect(urls).toHaveLength(1);
    await expect(addHost(new KubeApi(fetchFn), { ...input, address: '' })).rejects.toBeInstanceOf(ApiRequestError);
    expect(urls).toHaveLength(1);
  });
});

describe('host form extras', () => {
  const host = (name: string, address: string, port = 22) => ({ apiVersion: 'skiff.dev/v1alpha1', kind: 'Host' as const, metadata: { name }, spec: { address, port, user: 'root' } });
  it('finds a host with the same name, or the same address and port', () => {
    const hosts = [host('a', '10.0.0.2'), host('b', 'Box.local', 2222)];
    expect(duplicateOf(hosts, { name: 'a', address: '1.1.1.1', port: 22 })?.by).toBe('name');
    expect(duplicateOf(hosts, { name: 'z', address: 'box.LOCAL ', port: 2222 })).toMatchObject({ by: 'address', host: { metadata: { name: 'b' } } });
    expect(duplicateOf(hosts, { name: 'z', address: 'box.local', port: 22 })).toBeUndefined();
  });

  it('editing may keep the stored key; the confirmed host key is pinned in the spec', async () => {
    expect(validateAddHost({ ...input, privateKey: '', keepExistingKey: true })).toEqual([]);
    const bodies: { url: string; body: Record<string, unknown> }[] = [];
    const fetchFn: FetchFn = async (url, init) => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      bodies.push({ url, body });
      return new Response(JSON.stringify({ ...body, metadata: { ...(body.metadata as object), uid: 'u1' } }));
    };
    await addHost(new KubeApi(fetchFn), { ...input, privateKey: '', keepExistingKey: true, hostKeyFingerprint: 'SHA256:abc' });
    expect(bodies.map((b) => b.url.split('?')[0])).toEqual(['/k8s/apis/skiff.dev/v1alpha1/hosts/lab-1']);
    expect(bodies[0]?.body.spec).toEqual({ address: '10.0.0.2', port: 22, user: 'root', useAgent: false, privateKeySecretRef: { namespace: 'kube-system', name: 'skiff-host-lab-1' }, hostKeyFingerprint: 'SHA256:abc' });
  });

  it("reads a host key through the app, and passes on the server's reason when it cannot", async () => {
    const ok: FetchFn = async (url, init) => {
      expect([url, init?.method, init?.body]).toEqual(['/skiff/host-key', 'POST', '{"address":"10.0.0.2","port":22}']);
      return new Response('{"fingerprint":"SHA256:abc","algorithm":"ssh-ed25519"}');
    };
    expect(await fetchHostKey(' 10.0.0.2 ', 22, ok)).toEqual({ fingerprint: 'SHA256:abc', algorithm: 'ssh-ed25519' });
    const down: FetchFn = async () => new Response('{"kind":"Status","code":502,"message":"cannot connect to x:22: host unreachable"}', { status: 502 });
    await expect(fetchHostKey('x', 22, down)).rejects.toThrow('host unreachable');
  });
});
