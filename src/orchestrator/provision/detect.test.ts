import { describe, expect, it } from 'vitest';
import { checkDocker, checkNetworkTools, checkWireGuard, checkNode, HostRequirementError, nodeNameFromHostname, parseNodeVersion, parseProbes, probeScript, systemdUsable } from './detect.js';

const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });
const fail = (code: number, stderr: string) => ({ code, stdout: '', stderr });
const A = '10.77.0.11';

describe('parseNodeVersion', () => {
  it.each([
    ['v20.20.2', { major: 20, minor: 20, patch: 2 }],
    ['v18.19.0\n', { major: 18, minor: 19, patch: 0 }],
    ['22.1.0', { major: 22, minor: 1, patch: 0 }],
    ['v23.0.0-nightly2024', { major: 23, minor: 0, patch: 0 }],
  ])('%j', (text, v) => expect(parseNodeVersion(text)).toEqual(v));
  it('rejects other text', () => expect(parseNodeVersion('bash: node: command not found')).toBeUndefined());
});

describe('checkNode', () => {
  it('accepts 20 and newer', () => {
    expect(checkNode(ok('v20.0.0\n'), A)).toBe('v20.0.0');
    expect(checkNode(ok('v24.3.1'), A)).toBe('v24.3.1');
  });
  it('names the old version', () => {
    expect(() => checkNode(ok('v18.19.0\n'), A)).toThrow('Node.js 20 or newer is required on 10.77.0.11: found v18.19.0');
  });
  it('says when node is missing', () => {
    expect(() => checkNode(fail(127, 'sh: 1: node: not found'), A)).toThrow(/required on 10\.77\.0\.11: node was not found/);
    expect(() => checkNode(fail(127, ''), A)).toThrow(HostRequirementError);
  });
  it('reports output it cannot read', () => {
    expect(() => checkNode(ok('hello'), A)).toThrow(/cannot read the version from "hello"/);
  });
});

describe('checkDocker', () => {
  it('returns the server version', () => expect(checkDocker(ok('20.10.24+dfsg1\n'), A)).toBe('20.10.24+dfsg1'));
  it('explains a stopped engine with the first line docker printed', () => {
    const r = { code: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\nmore' };
    expect(() => checkDocker(r, A)).toThrow('Docker is not installed or not running on 10.77.0.11: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  });
  it('explains a missing CLI', () => {
    expect(() => checkDocker(fail(127, 'bash: docker: command not found'), A)).toThrow(/not installed or not running on 10\.77\.0\.11: docker was not found/);
  });
  it('treats an empty server version as no engine', () => {
    expect(() => checkDocker({ code: 0, stdout: '\n', stderr: '' }, A)).toThrow(/not running/);
  });
});

describe('systemdUsable', () => {
  it.each([
    ['running\n', true],
    ['degraded', true],
    ['offline', false],
    ['', false],
  ])('%j -> %s', (out, want) => expect(systemdUsable(ok(out))).toBe(want));
});

describe('nodeNameFromHostname', () => {
  it('lowercases', () => expect(nodeNameFromHostname(ok('Lab-W1\n'), A)).toBe('lab-w1'));
  it('keeps dotted names', () => expect(nodeNameFromHostname(ok('web-1.example.com'), A)).toBe('web-1.example.com'));
  it('rejects names Kubernetes would', () => {
    expect(() => nodeNameFromHostname(ok('my_host'), A)).toThrow(/"my_host"\) is not a valid node name/);
    expect(() => nodeNameFromHostname(ok(''), A)).toThrow(/not a valid node name/);
  });
});

describe('probeScript', () => {
  it('runs every probe in one shell and keeps each exit code, stdout and stderr apart', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, symlinkSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    // A PATH with the shell tools but neither node nor docker nor systemctl.
    const bin = mkdtempSync(join(tmpdir(), 'skiff-probe-'));
    for (const t of ['mktemp', 'base64', 'tr', 'rm', 'hostname']) symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`]).toString().trim(), join(bin, t));
    try {
      const out = execFileSync('/bin/sh', ['-c', probeScript()], { env: { PATH: bin } }).toString();
      const r = parseProbes(out);
      expect(r.hostname.code).toBe(0);
      expect(r.hostname.stdout.trim()).toBe(execFileSync('hostname').toString().trim());
      expect(r.node.code).toBe(127);
      expect(r.node.stderr).toMatch(/node/);
      expect(r.docker.code).toBe(127);
      expect(() => checkNode(r.node, A)).toThrow(/node was not found/);
      expect(() => checkDocker(r.docker, A)).toThrow(/docker was not found/);
      expect(systemdUsable(r.systemd)).toBe(false);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('says a probe did not run when its section is missing', () => {
    expect(parseProbes('@@hostname 0\naG9zdA==\n\n').node).toEqual({ code: null, stdout: '', stderr: 'the probe did not run' });
    expect(parseProbes('@@hostname 0\naG9zdA==\n\n').hostname.stdout).toBe('host');
  });
});

describe('network tools', () => {
  it('reads the iptables version when every tool is there', () => {
    expect(checkNetworkTools(ok('iptables v1.8.9 (nf_tables)\n'), '10.0.0.5')).toBe('iptables v1.8.9 (nf_tables)');
  });

  it('names what is missing and what to install', () => {
    expect(() => checkNetworkTools(ok('missing iptables-restore\nmissing bridge\n'), '10.0.0.5')).toThrow(
      new HostRequirementError("the pod network needs iptables-restore, bridge on 10.0.0.5 (Skiff's host component runs the host's own iptables and iproute2): apt-get install iptables iproute2"),
    );
  });
});

describe('WireGuard on a host', () => {
  it.each([
    ['the kernel module and wg', 'iptables v1.8.9\nwireguard-module\n', 'wireguard', 'WireGuard by the kernel module'],
    ['wireguard-go and wg', 'iptables v1.8.9\n', 'wireguard', 'WireGuard by wireguard-go'],
    ['nothing, another backend', 'optional wg\noptional wireguard-go\n', 'auto', 'no WireGuard (apt-get install wireguard-tools wireguard-go for the wireguard backend, and for auto to reach hosts beyond the trusted networks)'],
  ])('%s', (_, stdout, backend, want) => {
    expect(checkWireGuard(ok(stdout), A, backend)).toBe(want);
  });

  it('names what to install when the backend is wireguard', () => {
    expect(() => checkWireGuard(ok('optional wireguard-go\n'), A, 'wireguard')).toThrow(
      new HostRequirementError("the cluster's pod network backend is wireguard, and 10.77.0.11 has no WireGuard kernel module and no wireguard-go: apt-get install wireguard-go"),
    );
    expect(() => checkWireGuard(ok('optional wg\nwireguard-module\n'), A, 'wireguard')).toThrow(/has no wg \(wireguard-tools\): apt-get install wireguard-tools$/);
    expect(() => checkWireGuard(ok('optional wg\noptional wireguard-go\n'), A, 'wireguard')).toThrow(/no WireGuard kernel module, no wg \(wireguard-tools\) and no wireguard-go: apt-get install wireguard-tools wireguard-go/);
  });

  it('the probe script asks for both tools and the module', async () => {
    const { NETWORK_TOOLS_SCRIPT } = await import('./detect.js');
    expect(NETWORK_TOOLS_SCRIPT).toContain('for t in wg wireguard-go');
    expect(NETWORK_TOOLS_SCRIPT).toContain('/sys/module/wireguard');
  });
});
