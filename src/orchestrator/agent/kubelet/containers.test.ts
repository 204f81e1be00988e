import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/types.js';
import { containerHash, containerName, pullPolicy, shouldRestart, toCreateSpec } from './containers.js';

describe('containers', () => {
  it('hashes only what matters, so API defaults filled in later do not restart containers', () => {
    const bare: Container = { name: 'a', image: 'img:1', ports: [{ containerPort: 80 }] };
    const defaulted: Container = { ...bare, ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {}, env: [], imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' };
    expect(containerHash(defaulted)).toBe(containerHash(bare));
    expect(containerHash({ ...bare, image: 'img:2' })).not.toBe(containerHash(bare));
    expect(containerHash({ ...bare, resources: { limits: { cpu: '1' } } })).not.toBe(containerHash(bare));
  });

  it.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:1', 'IfNotPresent'],
    ['app@sha256:abc', 'IfNotPresent'],
  ])('default pull policy of %s is %s', (image, policy) => {
    expect(pullPolicy({ name: 'a', image })).toBe(policy);
  });

  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 1, true],
    ['Never', 1, false],
  ] as const)('restartPolicy %s, exit %i: restart %s', (policy, code, yes) => {
    const pod = { spec: { restartPolicy: policy, containers: [] } } as unknown as Pod;
    expect(shouldRestart(pod, code)).toBe(yes);
  });

  it('names engine containers uniquely per pod uid and attempt', () => {
    const pod = { metadata: { name: 'web', namespace: 'prod', uid: '1234567890ab' } } as unknown as Pod;
    expect(containerName(pod, { name: 'main', image: 'x' }, 3)).toBe('skiff_main_web_prod_12345678_3');
  });

  it('keeps stdin open (once) and a TTY when the container asks, as kubectl run -it does', () => {
    const pod = { metadata: { name: 'web', namespace: 'prod', uid: 'u1' }, spec: { containers: [] } } as unknown as Pod;
    const ctx = { nodeName: 'n', nodeIP: '10.0.0.1', networkMode: 'container:sb' };
    const it = toCreateSpec(pod, { name: 'sh', image: 'x', stdin: true, stdinOnce: true, tty: true }, 0, ctx);
    expect([it.stdin, it.stdinOnce, it.tty, it.networkMode]).toEqual([true, true, true, 'container:sb']);
    const plain = toCreateSpec(pod, { name: 'sh', image: 'x', stdinOnce: true }, 0, ctx);
    expect([plain.stdin, plain.stdinOnce, plain.tty]).toEqual([undefined, undefined, undefined]);
  });
});
