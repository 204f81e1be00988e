import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKIFF_LOG: 'info' } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

async function until(fn: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('skiff-agent CLI', () => {
  it('refuses a bad config with a clear message and exit code 1', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ server: 'http://plain', token: 't', ca: 'x', nodeName: 'n' }));
    const p = run(['--config', file]);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('"server" must be an https:// URL');
  });

  it('writes its pid file, serves /healthz while the API is unreachable, and stops on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = join(dir, 'data');
    const file = join(dir, 'agent.json');
    // Nothing listens on port 1: the agent must come up anyway and keep retrying registration.
    writeFileSync(file, JSON.stringify({ server: 'https://127.0.0.1:1', token: 'tok', ca: 'not-a-real-ca', nodeName: 'cli-test-node', kubeletPort: port, dataDir, dockerSocket: '/var/run/docker.sock' }));
    const p = run(['--config', file]);
    const pidFile = join(dataDir, 'skiff-agent.pid');
    await until(() => existsSync(pidFile));
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(p.child.pid));
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await res.text()).toBe('ok');
    await until(() => p.stderr().includes('cannot register node yet'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
    expect(p.stderr()).toContain('containers keep running');
  });
});
