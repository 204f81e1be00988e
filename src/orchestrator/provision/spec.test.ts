import { describe, expect, it } from 'vitest';
import { parseHostSpec } from './spec.js';

const ref = { namespace: 'kube-system', name: 'w1-key' };

describe('parseHostSpec', () => {
  it('applies the default port and normalizes the fingerprint', () => {
    expect(parseHostSpec({ address: '10.77.0.11', user: 'root', privateKeySecretRef: ref, hostKeyFingerprint: 'wq69Pvsa/ZiqnFNZxQmcQ4XbrHAD59oyxPJT19mRB0o=' })).toEqual({
      spec: { address: '10.77.0.11', port: 22, user: 'root', useAgent: false, privateKeySecretRef: ref, hostKeyFingerprint: 'SHA256:wq69Pvsa/ZiqnFNZxQmcQ4XbrHAD59oyxPJT19mRB0o' },
      errors: [],
    });
  });

  it('accepts the ssh-agent as the only credential', () => {
    expect(parseHostSpec({ address: 'w1.example', port: 2222, user: 'ops', useAgent: true }).spec).toMatchObject({ port: 2222, useAgent: true });
  });

  it('lists every problem with its field', () => {
    expect(parseHostSpec({ address: 'root@h', port: 70000, useAgent: 'yes', hostKeyFingerprint: 'MD5:aa' }).errors).toEqual([
      'spec.address: Invalid value: "root@h": a host name or IP address',
      'spec.port: Invalid value: 70000: must be 1-65535',
      'spec.user: Required value',
      'spec.useAgent: Invalid value: must be true or false',
      'spec: Required value: set privateKeySecretRef or useAgent',
      'spec.hostKeyFingerprint: Invalid value: "MD5:aa": expected SHA256:<base64>, as ssh-keygen -lf prints',
    ]);
    expect(parseHostSpec(undefined).errors).toContain('spec.address: Required value');
    expect(parseHostSpec({ address: 'a', user: 'u', privateKeySecretRef: { name: 'x' } }).errors).toEqual(['spec.privateKeySecretRef: Invalid value: needs namespace and name']);
  });
});
