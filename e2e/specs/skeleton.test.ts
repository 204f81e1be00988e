import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../lab/lab.js';
import { run } from '../lab/run.js';
import { launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { freePort } from '../support/controlPlane.js';
import { eventually, Kubectl } from '../support/kubectl.js';
import { startServe, type ServeProcess } from '../support/serve.js';

// The walking skeleton, end to end, as a user does it: browser mode in Chromium, two lab hosts added
// over SSH through the UI, a Deployment dropped on the canvas, then failures injected on the hosts.

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "echo serving $HOSTNAME; mkdir -p /www; echo hello from $HOSTNAME > /www/index.html; exec httpd -f -p 80 -h /www"]
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
`;

interface PodRow {
  name: string;
  phase: string;
  node: string;
  ip: string;
  restarts: number;
  deleting: boolean;
}

let lab: Lab;
let serve: ServeProcess;
let browser: LaunchedBrowser;
let page: Page;
let kubectl: Kubectl;
let home: string;
/** The pod whose container was killed with docker (and restarted). */
let restarted = '';
const env: Record<string, string> = {};

async function pods(): Promise<PodRow[]> {
  const out = await kubectl.ok(['get', 'pods', '-l', 'app=web', '-o', 'json']);
  const list = JSON.parse(out) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string; podIP?: string; containerStatuses?: { restartCount: number }[] } }[] };
  return list.items.map((p) => ({
    name: p.metadata.name,
    phase: p.status?.phase ?? '',
    node: p.spec.nodeName ?? '',
    ip: p.status?.podIP ?? '',
    restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
    deleting: !!p.metadata.deletionTimestamp,
  }));
}

const running = async () => (await pods()).filter((p) => p.phase === 'Running' && !p.deleting);

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

async function openUi(): Promise<void> {
  await page.goto(serve.loginUrl);
  await page.getByTestId('canvas').waitFor({ timeout: 30_000 });
  // Interact only once the watches are live, as a user waits for the app to load.
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
}

/** Running pods the canvas draws inside the web Deployment's card, saying they run on `nodeName`. */
async function podsDrawnIn(nodeName: string): Promise<string[]> {
  const card = await page.getByTestId('card-deployment-default-web').boundingBox();
  if (!card) return [];
  const out: string[] = [];
  for (const el of await page.locator('[data-testid^="pod-default-web-"]').all()) {
    const b = await el.boundingBox();
    const [phase, node] = [await el.getAttribute('data-phase'), await el.getAttribute('data-node')];
    if (b && phase === 'Running' && node === nodeName && (await el.innerText()).includes(nodeName) && b.x >= card.x && b.y >= card.y && b.x + b.width <= card.x + card.width + 1 && b.y + b.height <= card.y + card.height + 1) {
      out.push((await el.getAttribute('data-testid')) ?? '');
    }
  }
  return out;
}

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
  home = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  Object.assign(env, {
    SKIFF_HOME: home,
    SKIFF_API_PORT: String(await freePort()),
    SKIFF_UI_PORT: String(await freePort()),
    SKIFF_LOCAL_NODE: 'off',
    SKIFF_NODE_GRACE_SECONDS: '12',
    SKIFF_EVICTION_SECONDS: '3',
  });
  serve = await startServe(env);
  kubectl = new Kubectl(join(home, 'kubeconfig'));
  browser = await launchBrowser();
  page = browser.page;
  await openUi();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await lab?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('walking skeleton in the browser', () => {
  it('shows an unreachable host as a clear error in the add-host dialog', async () => {
    await page.getByTestId('add-host-button').click();
    await page.getByTestId('add-host-address').fill('10.77.0.99');
    await page.getByTestId('add-host-key').fill(readFileSync(lab.keyPath, 'utf8'));
    await page.getByTestId('add-host-submit').click();
    // The host key is read before anything is created: an unreachable host fails there.
    await expect.poll(async () => page.getByTestId('add-host-dialog').innerText(), { timeout: 60_000 }).toMatch(/unreachable|timed out|No route|EHOSTUNREACH/i);
    await screenshot(page, 'skeleton-0-unreachable-host');
    await page.keyboard.press('Escape');
    expect((await kubectl.ok(['get', 'nodes', '-o', 'name'])).trim()).toBe('');
    expect((await kubectl.ok(['get', 'hosts', '-o', 'name'])).trim()).toBe('');
  });

  it('adds two lab hosts over SSH from the UI and sees them Ready', async () => {
    for (const h of lab.hosts) {
      await page.getByTestId('add-host-button').click();
      await page.getByTestId('add-host-address').fill(h.ip);
      await page.getByTestId('add-host-user').fill('root');
      await page.getByTestId('add-host-key').fill(readFileSync(lab.keyPath, 'utf8'));
      await page.getByTestId('add-host-submit').click();
      await page.getByTestId('add-host-fingerprint').waitFor({ timeout: 60_000 });
      await page.getByTestId('add-host-trust').click();
      await page.getByTestId('host-steps').waitFor({ timeout: 60_000 });
      await expect.poll(async () => page.getByTestId('add-host-dialog').innerText(), { timeout: 120_000 }).toMatch(/SHA256:/);
      await page.getByTestId('host-ready').waitFor({ timeout: 120_000 });
      await screenshot(page, `skeleton-1-host-${h.name}-ready`);
      await page.getByTestId('add-host-done').click();
      await page.getByTestId(`node-${h.name}`).waitFor({ timeout: 60_000 });
    }
    const nodes = await kubectl.ok(['get', 'nodes']);
    for (const h of lab.hosts) expect(nodes).toMatch(new RegExp(`${h.name}\\s+Ready`));
  });

  it('applies a dropped multi-document YAML and shows 3 Running pods spread over both hosts', async () => {
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'web.yaml', { type: 'application/yaml' }));
      return d;
    }, MANIFEST);
    for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('[data-testid="canvas"]', type, { dataTransfer: dt });
    await page.getByTestId('drop-results').waitFor();
    // Applying waits on a loaded machine: wait as long as the other steps do.
    await expect.poll(async () => page.getByTestId('drop-results').innerText(), { timeout: 60_000 }).toMatch(/Deployment.*web[\s\S]*created[\s\S]*Service.*web[\s\S]*created/i);
    await screenshot(page, 'skeleton-2-dropped');
    await eventually('3 running pods', async () => (await running()).length === 3, 120_000);
    const ps = await running();
    expect(new Set(ps.map((p) => p.node))).toEqual(new Set(lab.hosts.map((h) => h.name)));
    const wide = await kubectl.ok(['get', 'pods', '-o', 'wide', '-l', 'app=web']);
    for (const p of ps) expect(wide).toMatch(new RegExp(`${p.name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${p.ip.replace(/\./g, '\\.')}\\s+${p.node}`));
    await page.getByTestId('drop-results-close').click().catch(() => undefined);
    await eventually('3 running pods drawn in their Deployment card, each naming its node', async () => {
      const drawn = [...(await podsDrawnIn('lab-w1')), ...(await podsDrawnIn('lab-w2'))];
      return drawn.length === 3 && (await podsDrawnIn('lab-w1')).length > 0 && (await podsDrawnIn('lab-w2')).length > 0;
    }, 30_000);
    await page.getByTestId('svc-default-web').waitFor();
    await screenshot(page, 'skeleton-3-running');
  });

  it('serves the HTTP page from a pod IP, and on the Service\'s node port on every host', async () => {
    const [p] = await running();
    // This machine is not a node, so Skiff gives it no route to pods (the lab adds none either): to
    // open a pod IP from here, route that one address via the node, as an operator would. Not the
    // node's whole pod CIDR: a `replace` of it would take this machine's own route to a local
    // node's bridge of the same CIDR (one an earlier run left), and the `del` would remove it.
    const via = lab.hosts.find((h) => h.name === p?.node)?.ip as string;
    await run('ip', ['route', 'replace', `${p?.ip}/32`, 'via', via]);
    try {
      expect(await httpGet(`http://${p?.ip}/`)).toContain(`hello from ${p?.name}`);
    } finally {
      await run('ip', ['route', 'del', `${p?.ip}/32`, 'via', via], { allowFail: true });
    }
    await kubectl.ok(['patch', 'service', 'web', '-p', '{"spec":{"type":"NodePort"}}']);
    const nodePort = await kubectl.ok(['get', 'service', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    for (const h of lab.hosts) expect(await eventually(`the node port on ${h.name}`, () => httpGet(`http://${h.ip}:${nodePort}/`).catch(() => undefined), 30_000)).toMatch(/hello from web-/);
  });

  it('restarts a container killed with docker', async () => {
    const [p] = await running();
    restarted = p?.name ?? '';
    const host = p?.node as string;
    const id = (await lab.dockerOn(host, ['ps', '-q', '--filter', `label=io.skiff.pod.name=${p?.name}`, '--filter', 'label=io.skiff.container.name=web'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]+$/);
    await lab.dockerOn(host, ['kill', id]);
    await eventually('the container to be restarted', async () => {
      const again = (await pods()).find((x) => x.name === p?.name);
      return again && again.restarts >= 1 && again.phase === 'Running';
    }, 60_000);
  });

  it("shows a pod's live logs in the UI, and how its container's last run ended", async () => {
    await page.getByTestId(`pod-default-${restarted}`).click();
    await page.getByTestId('pod-details').waitFor();
    await expect.poll(async () => page.getByTestId('log-view').innerText(), { timeout: 30_000 }).toContain(`serving ${restarted}`);
    expect(await page.getByTestId('container-web').innerText()).toMatch(/Last run: Error, exit code 137/);
    // The details panel narrows the canvas; the selected pod stays in sight.
    await eventually('the selected pod inside the visible canvas', async () => {
      const [pod, canvas] = await Promise.all([page.getByTestId(`pod-default-${restarted}`).boundingBox(), page.getByTestId('canvas').boundingBox()]);
      return !!pod && !!canvas && pod.x >= canvas.x && pod.x + pod.width <= canvas.x + canvas.width && pod.y >= canvas.y && pod.y + pod.height <= canvas.y + canvas.height;
    }, 60_000);
    await screenshot(page, 'skeleton-4-pod-logs');
    await page.getByTestId('side-panel-close').click();
  });

  it('reconnects to its hosts after a restart without restarting any container', async () => {
    const before = new Map<string, string>();
    for (const h of lab.hosts) before.set(h.name, (await lab.dockerOn(h.name, ['ps', '-q', '--no-trunc', '--filter', 'label=io.skiff.managed=true'])).stdout.trim());
    await serve.stop();
    serve = await startServe(env);
    await openUi();
    await eventually('both nodes Ready again', async () => {
      const out = await kubectl.ok(['get', 'nodes']);
      return lab.hosts.every((h) => new RegExp(`${h.name}\\s+Ready`).test(out));
    }, 90_000);
    await eventually('3 running pods again', async () => (await running()).length === 3, 60_000);
    // Reconnection is done when every Host is Ready again (its steps re-checked, the agent left running).
    await eventually('both hosts reconnected', async () => {
      const phases = await kubectl.ok(['get', 'hosts', '-o', 'jsonpath={.items[*].status.phase}']);
      return phases.split(' ').filter((p) => p === 'Ready').length === 2;
    }, 90_000);
    for (const h of lab.hosts) {
      const after = (await lab.dockerOn(h.name, ['ps', '-q', '--no-trunc', '--filter', 'label=io.skiff.managed=true'])).stdout.trim();
      expect(after.split('\n').sort()).toEqual((before.get(h.name) ?? '').split('\n').sort());
    }
  });

  it("replaces the pods of a host whose agent stopped", async () => {
    const victim = 'lab-w2';
    const survivor = 'lab-w1';
    await lab.killAgent(victim);
    await eventually(`${victim} NotReady`, async () => new RegExp(`${victim}\\s+NotReady`).test(await kubectl.ok(['get', 'nodes'])), 60_000);
    await page.getByTestId(`node-status-${victim}`).waitFor();
    await screenshot(page, 'skeleton-5-node-not-ready');
    await eventually(`3 running pods, all on ${survivor}`, async () => {
      const r = await running();
      return r.length === 3 && r.every((p) => p.node === survivor);
    }, 120_000);
    await screenshot(page, 'skeleton-6-replaced');
  });

  it('removing a host stops its agent and removes its containers', async () => {
    const host = lab.hosts[0] as { name: string; ip: string };
    const hostObj = (await kubectl.ok(['get', 'hosts', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.nodeName}{"\\n"}{end}']))
      .split('\n')
      .find((l) => l.endsWith(`=${host.name}`))
      ?.split('=')[0];
    expect(hostObj).toBeTruthy();
    await kubectl.ok(['delete', 'host', hostObj as string, '--timeout=120s']);
    expect((await lab.dockerOn(host.name, ['ps', '-aq', '--filter', 'label=io.skiff.managed=true'])).stdout.trim()).toBe('');
    expect(await kubectl.ok(['get', 'nodes', '-o', 'name'])).not.toContain(host.name);
  });
});
