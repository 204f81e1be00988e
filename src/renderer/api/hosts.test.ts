import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from './client.js';
import { ApiRequestError } from './errors.js';
import { addHost, hostNameFromAddress, validateAddHost, type AddHostInput } from './hosts.js';

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
