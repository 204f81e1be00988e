import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOfPublicKeyLine } from '../../src/orchestrator/provision/fingerprint.js';
import { createLab, type Lab } from '../lab/lab.js';
import { hostNames } from '../lab/paths.js';
import { launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { freePort } from '../support/controlPlane.js';
import { eventually, Kubectl } from '../support/kubectl.js';
import { startServe, type ServeProcess } from '../support/serve.js';

// Hosts through the UI, on the lab (two SSH hosts): the host key is shown and confirmed before it
// is pinned; a duplicate asks instead of overwriting; a failed host is edited and retried.

let lab: Lab;
let serve: ServeProcess;
let browser: LaunchedBrowser;
let page: Page;
let kubectl: Kubectl;
let home: string;

const key = () => readFileSync(lab.keyPath, 'utf8');
const labFingerprint = (n: number) => fingerprintOfPublicKeyLine(readFileSync(join(hostNames(n, lab.dir).stateDir, 'ssh_host_ed25519_key.pub'), 'utf8'));

async function fillForm(address: string, opts: { user?: string; name?: string; withKey?: boolean } = {}): Promise<void> {
  await page.getByTestId('add-host-address').fill(address);
  if (opts.user) await page.getByTestId('add-host-user').fill(opts.user);
  if (opts.name) await page.getByTestId('add-host-name').fill(opts.name);
  if (opts.withKey ?? true) await page.getByTestId('add-host-key').fill(key());
  await page.getByTestId('add-host-submit').click();
}

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
  home = mkdtempSync(join(tmpdir(), 'skiff-e2e-hosts-'));
  serve = await startServe({ SKIFF_HOME: home, SKIFF_API_PORT: String(await freePort()), SKIFF_UI_PORT: String(await freePort()), SKIFF_LOCAL_NODE: 'off' });
  kubectl = new Kubectl(join(home, 'kubeconfig'));
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(serve.loginUrl);
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  // Hosts go first, so their agents and containers leave the lab hosts.
  await kubectl?.run(['delete', 'hosts', '--all', '--timeout=120s'], { timeoutMs: 150_000 });
  await serve?.stop();
  await lab?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('hosts in the browser', () => {
  it('shows the host key before anything is pinned, and pins the one the user confirmed', async () => {
    const h = lab.hosts[0] as { ip: string; name: string; index: number };
    await page.getByTestId('add-host-button').click();
    await fillForm(h.ip, { name: 'first' });
    await page.getByTestId('add-host-confirm-key').waitFor({ timeout: 30_000 });
    const shown = await page.getByTestId('add-host-fingerprint').innerText();
    expect(shown).toBe(labFingerprint(h.index));
    // Nothing exists yet: the key is only shown.
    expect((await kubectl.ok(['get', 'hosts', '-o', 'name'])).trim()).toBe('');
    await screenshot(page, 'hosts-1-confirm-fingerprint');
    await page.getByTestId('add-host-trust').click();
    await page.getByTestId('add-host-dialog').getByTestId('host-ready').waitFor({ timeout: 180_000 });
    // Step titles, not ids.
    expect(await page.getByTestId('host-steps').innerText()).toContain('Verify the host key');
    expect(await kubectl.ok(['get', 'host', 'first', '-o', 'jsonpath={.spec.hostKeyFingerprint} {.status.pinnedHostKey}'])).toBe(`${shown} ${shown}`);
    await screenshot(page, 'hosts-2-ready');
    await page.getByTestId('add-host-done').click();
  });

  it('adding a host whose address or name exists asks instead of overwriting it', async () => {
    const h = lab.hosts[0] as { ip: string };
    const before = await kubectl.ok(['get', 'host', 'first', '-o', 'jsonpath={.metadata.resourceVersion}']);
    await page.getByTestId('add-host-button').click();
    await fillForm(h.ip, { name: 'again' });
    expect(await page.getByTestId('add-host-duplicate').getAttribute('data-by')).toBe('address');
    expect(await page.getByTestId('add-host-duplicate').innerText()).toContain('Host first already uses');
    await page.getByTestId('add-host-back').click();
    await page.getByTestId('add-host-address').fill('10.77.0.250');
    await page.getByTestId('add-host-name').fill('first');
    await page.getByTestId('add-host-submit').click();
    expect(await page.getByTestId('add-host-duplicate').getAttribute('data-by')).toBe('name');
    await page.keyboard.press('Escape');
    expect(await kubectl.ok(['get', 'host', 'first', '-o', 'jsonpath={.metadata.resourceVersion}'])).toBe(before);
    expect((await kubectl.ok(['get', 'hosts', '-o', 'name'])).trim().split('\n')).toEqual(['host.skiff.dev/first']);
  });

  it('a failed host can be edited and retried from the UI', async () => {
    const h = lab.hosts[1] as { ip: string; name: string; index: number };
    await page.getByTestId('add-host-button').click();
    await fillForm(h.ip, { name: 'second', user: 'nobody-here' });
    await page.getByTestId('add-host-trust').click();
    await page.locator('[data-testid="host-phase"][data-phase="Failed"]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('add-host-dialog').innerText()).toMatch(/authentication failed/i);
    await page.getByTestId('add-host-done').click();
    await page.getByTestId('hosts-button').click();
    await page.getByTestId('host-second').locator('.host-main').click();
    await page.getByTestId('host-edit').click();
    // The stored key is kept; only the user changes.
    expect(await page.getByTestId('add-host-name').inputValue()).toBe('second');
    await page.getByTestId('add-host-user').fill('root');
    await page.getByTestId('add-host-submit').click();
    expect(await page.getByTestId('add-host-fingerprint').innerText()).toBe(labFingerprint(h.index));
    await page.getByTestId('add-host-trust').click();
    await page.getByTestId('add-host-dialog').getByTestId('host-ready').waitFor({ timeout: 180_000 });
    await eventually('node lab-w2 Ready', async () => /lab-w2\s+Ready/.test(await kubectl.ok(['get', 'nodes'])), 60_000);
    expect(await kubectl.ok(['get', 'host', 'second', '-o', 'jsonpath={.spec.user}'])).toBe('root');
    await page.getByTestId('add-host-done').click();
  });
});
