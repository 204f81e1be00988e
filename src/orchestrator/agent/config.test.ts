import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './config.js';

const ok = { server: 'https://127.0.0.1:6443', token: 't', ca: 'PEM', nodeName: 'Lab-W1', kubeletPort: 10250, dataDir: '/tmp/a', dockerSocket: '/run/d.sock' };

describe('parseAgentConfig', () => {
  it('accepts the documented file, lowercasing the node name', () => {
    expect(parseAgentConfig(ok)).toEqual({ ...ok, nodeName: 'lab-w1' });
  });
  it('fills defaults', () => {
    const c = parseAgentConfig({ server: ok.server, token: 't', ca: 'PEM', nodeName: 'n' });
    expect(c).toMatchObject({ kubeletPort: 10250, dataDir: '/var/lib/skiff-agent', dockerSocket: '/var/run/docker.sock' });
  });
  it.each([
    [null, 'JSON object'],
    [{ ...ok, server: 'http://x' }, '"server" must be an https:// URL'],
    [{ ...ok, token: '' }, '"token"'],
    [{ ...ok, kubeletPort: 70000 }, '"kubeletPort"'],
    [{ ...ok, kubeletPort: '10250' }, '"kubeletPort"'],
    [{ ...ok, nodeIP: 5 }, '"nodeIP"'],
  ])('rejects %j', (raw, msg) => {
    expect(() => parseAgentConfig(raw)).toThrow(msg);
  });
});
