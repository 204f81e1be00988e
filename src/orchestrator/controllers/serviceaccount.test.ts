import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controllerFixture, type ControllerFixture } from './testkit.js';

describe('service account controller and root CA publisher', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture({ rootCA: { caPem: 'CA-PEM' } });
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('gives every namespace a default ServiceAccount and the kube-root-ca.crt ConfigMap, and puts them back', async () => {
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await f.settle();
    expect((await f.list('serviceaccounts', 'team')).map((s) => s.metadata.name)).toEqual(['default']);
    const cm = (await f.list('configmaps', 'team')).find((c) => c.metadata.name === 'kube-root-ca.crt');
    expect(cm?.data).toEqual({ 'ca.crt': 'CA-PEM' });
    expect(cm?.metadata.annotations?.['kubernetes.io/description']).toMatch(/^Contains a CA bundle/);
    // Existing namespaces too.
    expect((await f.list('serviceaccounts', 'default')).map((s) => s.metadata.name)).toEqual(['default']);

    await f.client.delete('serviceaccounts', 'team', 'default');
    await f.client.patch('configmaps', 'team', 'kube-root-ca.crt', 'merge', { data: { 'ca.crt': 'tampered' } });
    await f.settle();
    expect((await f.list('serviceaccounts', 'team')).map((s) => s.metadata.name)).toEqual(['default']);
    expect((await f.client.get('configmaps', 'team', 'kube-root-ca.crt')).data).toEqual({ 'ca.crt': 'CA-PEM' });
  });

  it('leaves a terminating namespace alone', async () => {
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
    await f.settle();
    await f.client.delete('namespaces', undefined, 'gone');
    await f.settle();
    await expect(f.client.get('namespaces', undefined, 'gone')).rejects.toMatchObject({ code: 404 });
    expect(await f.list('serviceaccounts', 'gone')).toEqual([]);
  });
});
