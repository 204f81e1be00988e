import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../orchestrator/testing/rawHttp.js';
import { startUiServer, type UiServer } from './uiServer.js';

describe('UI server', () => {
  let ui: UiServer | undefined;
  afterEach(async () => ui?.close());

  async function start(scan?: (address: string, port: number) => Promise<{ fingerprint: string; algorithm: string }>) {
    const parent = mkdtempSync(join(tmpdir(), 'skiff-ui-'));
    const dir = join(parent, 'renderer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.html'), '<html>skiff</html>');
    // A sibling whose name starts with the renderer folder's: never served.
    mkdirSync(join(parent, 'renderer-secret'));
    writeFileSync(join(parent, 'renderer-secret', 'key'), 'SECRET');
    const calls: string[] = [];
    ui = await startUiServer({
      port: 0,
      rendererDir: dir,
      api: (req, res, who) => {
        calls.push(`${req.method} ${req.url} ${who?.user}`);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      },
      ...(scan ? { scanHostKey: scan } : {}),
    });
    return { ui, calls };
  }

  it('exchanges a one-time login code for a session cookie, then proxies /k8s with the UI identity', async () => {
    const { ui, calls } = await start();
    const base = `http://127.0.0.1:${ui.port}`;
    expect((await fetch(`${base}/k8s/api/v1/pods`)).status).toBe(401);
    const url = ui.loginUrl();
    const login = await fetch(url, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^skiff_session=/);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    // The code is spent.
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(403);
    const ok = await fetch(`${base}/k8s/api/v1/pods?watch=true`, { headers: { cookie } });
    expect(ok.status).toBe(200);
    expect(calls).toEqual(['GET /api/v1/pods?watch=true skiff-ui']);
    // A write from another origin is refused even with the cookie.
    const cross = await fetch(`${base}/k8s/api/v1/namespaces/default/pods`, { method: 'POST', headers: { cookie, origin: 'http://evil.example' }, body: '{}' });
    expect(cross.status).toBe(403);
    expect(calls.length).toBe(1);
  });

  it('serves the renderer with a content security policy', async () => {
    const { ui } = await start();
    const r = await fetch(`http://127.0.0.1:${ui.port}/anything/../index.html`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('skiff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('manages port-forwards behind the session, refusing cross-origin writes and bad fields', async () => {
    const { ui } = await start();
    const base = `http://127.0.0.1:${ui.port}`;
    expect((await fetch(`${base}/skiff/portforwards`)).status).toBe(401);
    const login = await fetch(ui.loginUrl(), { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const list = await fetch(`${base}/skiff/portforwards`, { headers: { cookie } });
    expect(await list.json()).toEqual({ items: [] });
    const body = JSON.stringify({ kind: 'pod', namespace: 'default', name: 'web', port: 0 });
    const cross = await fetch(`${base}/skiff/portforwards`, { method: 'POST', headers: { cookie, origin: 'http://evil.example' }, body });
    expect(cross.status).toBe(403);
    const bad = await fetch(`${base}/skiff/portforwards`, { method: 'POST', headers: { cookie, origin: base }, body });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { causes: [{ field: 'port', message: 'must be 1-65535' }] } });
    expect((await fetch(`${base}/skiff/portforwards/abc`, { method: 'DELETE', headers: { cookie, origin: base } })).status).toBe(404);
  });

  it('answers malformed request targets with a 400 and keeps serving (they used to end the process)', async () => {
    const { ui } = await start();
    const cases = [
      'GET /% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /a/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /%E0%A4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ];
    for (const c of cases) expect((await rawRequest(ui.port, c)).status, c).toBe(400);
    // `//` is not a URL a browser sends, but it is a path (`new URL` threw on it): the app, like any unknown path.
    expect((await rawRequest(ui.port, 'GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(200);
    const upgrade = await rawRequest(ui.port, 'GET // HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(upgrade.status).toBe(404);
    const badUpgrade = await rawRequest(ui.port, 'GET /k8s/%zz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(badUpgrade.status).toBe(400);
    const nul = await rawRequest(ui.port, 'GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(nul.status).toBe(200);
    expect(nul.body).toContain('skiff');
    expect((await fetch(`http://127.0.0.1:${ui.port}/index.html`)).status).toBe(200);
  });

  it('never serves a file outside the renderer folder', async () => {
    const { ui } = await start();
    for (const p of ['/../renderer-secret/key', '/..%2frenderer-secret%2fkey', '/%2e%2e/renderer-secret/key', '/..\\renderer-secret\\key']) {
      const r = await rawRequest(ui.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r.body, p).not.toContain('SECRET');
    }
  });

  it('reads a host key for a logged-in page only, by POST from its own origin, and says why not', async () => {
    const asked: string[] = [];
    const { ui } = await start(async (address, port) => {
      asked.push(`${address}:${port}`);
      if (address === 'down') throw new Error('cannot connect to down:22: host unreachable');
      return { fingerprint: 'SHA256:abc', algorithm: 'ssh-ed25519' };
    });
    const base = `http://127.0.0.1:${ui.port}`;
    const post = (body: unknown, headers: Record<string, string> = {}) => fetch(`${base}/skiff/host-key`, { method: 'POST', body: JSON.stringify(body), headers });
    expect((await post({ address: 'h' })).status).toBe(401);
    const cookie = ((await fetch(ui.loginUrl(), { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await post({ address: 'h' }, { cookie, origin: 'http://evil.example' })).status).toBe(403);
    const ok = await post({ address: '10.0.0.5', port: 2222 }, { cookie, origin: base });
    expect(await ok.json()).toEqual({ fingerprint: 'SHA256:abc', algorithm: 'ssh-ed25519' });
    const down = await post({ address: 'down' }, { cookie });
    expect(down.status).toBe(502);
    expect(((await down.json()) as { message: string }).message).toContain('host unreachable');
    expect((await post({ address: '' }, { cookie })).status).toBe(422);
    expect(asked).toEqual(['10.0.0.5:2222', 'down:22']);
  });
});
