import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../lab/lab.js';
import { launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { freePort } from '../support/controlPlane.js';
import { eventually, Kubectl } from '../support/kubectl.js';
import { addLabHosts } from '../support/labHosts.js';
import { startServe, type ServeProcess } from '../support/serve.js';

// Operating what runs, through the UI only (browser mode in Chromium), checked with the real
// kubectl: shells into containers and hosts, port-forwards, workload logs, why a pod is pending.

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
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
        command: ["sh", "-c", "mkdir -p /www; echo hello from $HOSTNAME > /www/index.html; httpd -p 80 -h /www; i=0; r=$RANDOM; while true; do echo tick $i $HOSTNAME run$r; i=$((i+1)); sleep 1; done"]
        ports: [{containerPort: 80, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 8080, targetPort: http}]
`;

let lab: Lab;
let serve: ServeProcess;
let browser: LaunchedBrowser;
let page: Page;
let kubectl: Kubectl;
let home: string;

interface PodRow {
  name: string;
  phase: string;
  node: string;
  deleting: boolean;
  restarts: number;
}

async function webPods(): Promise<PodRow[]> {
  const list = JSON.parse(await kubectl.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string; containerStatuses?: { restartCount: number }[] } }[];
  };
  return list.items.map((p) => ({ name: p.metadata.name, phase: p.status?.phase ?? '', node: p.spec.nodeName ?? '', deleting: !!p.metadata.deletionTimestamp, restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0 }));
}
const running = async () => (await webPods()).filter((p) => p.phase === 'Running' && !p.deleting);

async function openUi(): Promise<void> {
  await page.goto(serve.loginUrl);
  await page.getByTestId('canvas').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
}

/** Runs a palette command by id, as a keyboard user does. */
async function palette(id: string): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('command-palette').waitFor();
  await page.getByTestId(`command-${id}`).click();
}

/** Types into the shown terminal and waits for `expected` on its screen. */
async function typeInTerminal(title: string, line: string, expected: string | RegExp): Promise<void> {
  const pane = page.locator(`[data-testid="terminal-pane"][data-title="${title}"]`);
  await page.locator(`[data-testid="terminal-pane"][data-title="${title}"][data-state="open"]`).waitFor({ timeout: 30_000 });
  await pane.locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await expect.poll(async () => pane.locator('.xterm-rows').innerText(), { timeout: 30_000 }).toMatch(expected);
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 20_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

/** Drops a manifest on the canvas, as a user drags a file onto it. */
async function dropManifest(name: string, text: string): Promise<void> {
  const dt = await page.evaluateHandle(
    ([n, t]) => {
      const d = new DataTransfer();
      d.items.add(new File([t as string], n as string, { type: 'application/yaml' }));
      return d;
    },
    [name, text],
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('[data-testid="canvas"]', type, { dataTransfer: dt });
  await expect.poll(async () => page.getByTestId('drop-results').getAttribute('data-running'), { timeout: 30_000 }).toBe('false');
  await page.getByTestId('drop-results-close').click().catch(() => undefined);
}

/** The local URL of a forward listed in the port-forwards panel. */
async function forwardUrl(testId: string): Promise<string> {
  const row = page.getByTestId(testId);
  await row.waitFor({ timeout: 30_000 });
  await expect.poll(async () => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('listening');
  return (await row.getAttribute('data-url')) as string;
}

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
  home = mkdtempSync(join(tmpdir(), 'skiff-e2e-ops-'));
  serve = await startServe({
    SKIFF_HOME: home,
    SKIFF_API_PORT: String(await freePort()),
    SKIFF_UI_PORT: String(await freePort()),
    SKIFF_LOCAL_NODE: 'off',
  });
  kubectl = new Kubectl(join(home, 'kubeconfig'));
  await addLabHosts(kubectl, lab);
  await kubectl.ok(['apply', '-f', '-'], { input: WEB });
  await eventually('2 running web pods on both hosts', async () => {
    const r = await running();
    return r.length === 2 && new Set(r.map((p) => p.node)).size === 2;
  }, 180_000);
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

describe('operating workloads from the UI', () => {
  it('opens a shell in a container: typed commands run there', async () => {
    const [p] = await running();
    const pod = p?.name as string;
    await page.getByTestId(`pod-default-${pod}`).click();
    await page.getByTestId('pod-details').waitFor();
    await page.getByTestId('shell-web').click();
    await page.getByTestId('terminal-dock').waitFor();
    await typeInTerminal(`${pod}/web`, 'echo ui-$((6*7)) > /tmp/from-ui; cat /tmp/from-ui; hostname', new RegExp(`ui-42[\\s\\S]*${pod}`));
    // What was typed ran in that container: kubectl reads the file it wrote.
    expect((await kubectl.ok(['exec', pod, '-c', 'web', '--', 'cat', '/tmp/from-ui'])).trim()).toBe('ui-42');
    // A second tab from the palette, into the same pod, is its own session. (Keys typed in a
    // terminal go to its shell, Ctrl+K included: focus the page first.)
    await page.getByTestId('pod-details').locator('h2').click();
    await palette('pod-shell');
    await expect.poll(async () => page.getByTestId('terminal-tab').count()).toBe(2);
    await typeInTerminal(`${pod}/web (2)`, 'stty size', /\d+ \d+/);
    await screenshot(page, 'ops-1-container-shell');
    // The pty has the terminal's size (rows cols), sent over the resize channel.
    const size = (await page.locator(`[data-testid="terminal-pane"][data-title="${pod}/web (2)"] .xterm-rows`).innerText()).match(/(\d+) (\d+)/);
    expect(Number(size?.[1])).toBeGreaterThan(5);
    expect(Number(size?.[2])).toBeGreaterThan(40);
    while ((await page.getByTestId('terminal-tab-close').count()) > 0) await page.getByTestId('terminal-tab-close').first().click();
    await page.getByTestId('terminal-dock').waitFor({ state: 'detached' });
    await page.getByTestId('side-panel-close').click();
  });

  it('shows a kubectl debug container in the pod: its state, a shell into it and its logs', async () => {
    const [p] = await running();
    const pod = p?.name as string;
    await kubectl.ok(['debug', pod, '--image=local/busybox:1', '--container=dbg', '--profile=general', '--', 'sh', '-c', 'echo from-debug; sleep 600']);
    await page.getByTestId(`pod-default-${pod}`).click();
    await page.getByTestId('pod-details').waitFor();
    await expect.poll(async () => page.getByTestId('container-dbg').innerText(), { timeout: 120_000 }).toMatch(/^dbg\s+running/);
    expect(await page.getByTestId('shell-dbg').isEnabled()).toBe(true);
    await page.getByTestId('log-container-picker').selectOption('dbg');
    await expect.poll(async () => page.getByTestId('log-lines').innerText(), { timeout: 60_000 }).toContain('from-debug');
    await screenshot(page, 'ops-1b-debug-container');
    await page.getByTestId('side-panel-close').click();
  });

  it('opens a shell on an SSH host over the connection Skiff holds', async () => {
    const host = lab.hosts[0]?.name as string;
    await page.getByTestId(`node-${host}`).click();
    await page.getByTestId('node-details').waitFor();
    // Requests against allocatable, as kubectl sees the node and its pods (usage: e2e/specs/metrics.test.ts).
    const onNode = (await kubectl.ok(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${host}`, '-o', 'name'])).trim().split('\n').filter(Boolean).length;
    const slots = (await kubectl.ok(['get', 'node', host, '-o', 'jsonpath={.status.allocatable.pods}'])).trim();
    await expect.poll(async () => page.getByTestId('node-requests-pods').innerText()).toContain(`${onNode} requested of ${slots}`);
    await page.getByTestId('host-shell-button').click();
    await typeInTerminal(`host ${host}`, 'echo on-$(hostname)', new RegExp(`on-${host}`));
    await screenshot(page, 'ops-2-host-shell');
    expect((await kubectl.ok(['get', 'host', host, '-o', 'jsonpath={.status.phase}'])).trim()).toBe('Ready');
    await page.getByTestId('terminal-tab-close').first().click();
    await page.getByTestId('side-panel-close').click();
  });

  it('port-forwards to a pod and to a Service, both surviving the pod being replaced', async () => {
    const [first] = await running();
    const pod = first?.name as string;
    await page.getByTestId('svc-default-web').click();
    await page.getByTestId('service-details').waitFor();
    await page.getByTestId('forward-8080').click();
    await page.getByTestId('port-forwards').waitFor();
    const svcUrl = await forwardUrl('port-forward-service-web-8080');
    expect(await httpGet(`${svcUrl}/`)).toMatch(/^hello from web-/);
    await page.getByTestId('port-forwards-close').click();
    // The details panel narrows the canvas: close it so the pod is in view to click.
    await page.getByTestId('side-panel-close').click();
    await page.getByTestId(`pod-default-${pod}`).click();
    await page.getByTestId('pod-details').waitFor();
    await page.getByTestId('forward-80').click();
    const podUrl = await forwardUrl(`port-forward-pod-${pod}-80`);
    expect(await httpGet(`${podUrl}/`)).toBe(`hello from ${pod}\n`);
    await expect.poll(async () => page.getByTestId(`port-forward-pod-${pod}-80`).getByTestId('port-forward-connections').innerText()).toMatch(/0 open · 1 served/);
    await screenshot(page, 'ops-3-port-forwards');

    // The pod is replaced (deleted; its ReplicaSet makes another): both forwards go on by themselves.
    await kubectl.ok(['delete', 'pod', pod, '--wait=false']);
    await eventually('the replacement pod running', async () => {
      const r = await running();
      return r.length === 2 && !r.some((p) => p.name === pod);
    }, 120_000);
    const viaPod = await httpGet(`${podUrl}/`);
    expect(viaPod).toMatch(/^hello from web-/);
    expect(viaPod).not.toContain(pod);
    expect(await httpGet(`${svcUrl}/`)).toMatch(/^hello from web-/);
    await expect.poll(async () => page.getByTestId(`port-forward-pod-${pod}-80`).getAttribute('data-state')).toBe('listening');
    await screenshot(page, 'ops-4-port-forward-after-replacement');

    // Stopped: the local port is closed.
    await page.getByTestId(`port-forward-pod-${pod}-80`).getByTestId('port-forward-stop').click();
    await page.getByTestId(`port-forward-pod-${pod}-80`).waitFor({ state: 'detached' });
    await expect(httpGet(`${podUrl}/`)).rejects.toThrow(/ECONNREFUSED/);
    await page.getByTestId('port-forward-service-web-8080').getByTestId('port-forward-stop').click();
    await page.getByTestId('port-forwards-close').click();
    await page.getByTestId('side-panel-close').click();
  });

  it("shows why a pod is pending: each node and what rejected it", async () => {
    await dropManifest('stuck.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: stuck
spec:
  nodeSelector: {disk: ssd}
  containers:
  - name: c
    image: local/busybox:1
    command: ["sleep", "3600"]
`);
    await eventually('the scheduler to give up on the pod', async () => (await kubectl.ok(['get', 'pod', 'stuck', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}'])) === 'Unschedulable', 60_000);
    await page.getByTestId('pod-default-stuck').click();
    await page.getByTestId('pending-reasons').waitFor({ timeout: 30_000 });
    for (const h of lab.hosts) {
      expect(await page.getByTestId(`pending-reason-${h.name}`).innerText()).toContain("didn't match Pod's node affinity/selector");
    }
    expect(await page.getByTestId('pending-summary').innerText()).toMatch(/0\/2 nodes are available/);
    await screenshot(page, 'ops-6-pending-reasons');
    // Labelling a node makes it fit: the pod is scheduled there and the table goes away.
    await kubectl.ok(['label', 'node', lab.hosts[1]?.name as string, 'disk=ssd']);
    await page.getByTestId('pending-reasons').waitFor({ state: 'detached', timeout: 60_000 });
    expect((await kubectl.ok(['get', 'pod', 'stuck', '-o', 'jsonpath={.spec.nodeName}'])).trim()).toBe(lab.hosts[1]?.name);
    await page.getByTestId('side-panel-close').click();
  });

  it("shows a workload's logs from all its pods interleaved, searchable, with no line twice after a restart", async () => {
    const [a, b] = await running();
    const pods = [a?.name as string, b?.name as string];
    await page.getByTestId(`pod-default-${pods[0]}`).click();
    await page.getByTestId('workload-logs-button').click();
    const dock = page.getByTestId('workload-logs');
    await dock.waitFor();
    await page.getByTestId('wl-timestamps').check();
    // Both pods' lines, interleaved by time.
    await eventually('lines of both pods in view', async () => {
      const shown = await dock.locator('[data-testid="wl-line"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pod')));
      return pods.every((p) => shown.includes(p));
    }, 60_000);
    const stamps = await dock.locator('[data-testid="wl-line"] .wl-ts').allInnerTexts();
    expect(stamps.length).toBeGreaterThan(4);
    expect([...stamps].sort()).toEqual(stamps);
    // What is shown is what kubectl reads.
    const firstShown = (await dock.locator('[data-testid="wl-line"]').last().innerText()).split('\n').join(' ');
    const tick = firstShown.match(/tick \d+ (\S+) run\d+/);
    expect(tick).toBeTruthy();
    expect(await kubectl.ok(['logs', tick?.[1] as string])).toContain(tick?.[0]);

    // Search highlights every hit over all that is loaded.
    await page.getByTestId('wl-search').fill(`tick 2 ${pods[1]}`);
    await expect.poll(async () => page.getByTestId('wl-match-count').innerText(), { timeout: 20_000 }).toBe('1/1');
    await expect.poll(async () => dock.locator('mark').first().innerText()).toBe(`tick 2 ${pods[1]}`);
    await screenshot(page, 'ops-5-workload-logs');
    await page.getByTestId('wl-search').fill('');
    await page.getByTestId('wl-follow').check();

    // A container restart: its new run follows its old one, no line repeated.
    const victim = pods[0] as string;
    const host = (await webPods()).find((p) => p.name === victim)?.node as string;
    const id = (await lab.dockerOn(host, ['ps', '-q', '--filter', `label=io.skiff.pod.name=${victim}`, '--filter', 'label=io.skiff.container.name=web'])).stdout.trim();
    const oldRun = (await kubectl.ok(['logs', victim])).match(/run(\d+)/)?.[1];
    await lab.dockerOn(host, ['kill', id]);
    await eventually('the container restarted', async () => (await webPods()).find((p) => p.name === victim && p.restarts >= 1 && p.phase === 'Running'), 60_000);
    const newRun = await eventually('a line of the new run', async () => (await kubectl.ok(['logs', victim])).match(/tick 2 \S+ run(\d+)/)?.[1], 60_000);
    expect(newRun).not.toBe(oldRun);
    await eventually('the new run in the view', async () => (await dock.locator('[data-testid="wl-line"]').allInnerTexts()).some((t) => t.includes(`run${newRun}`)), 60_000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('wl-download').click()]);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.trim().split('\n').map((l) => l.slice(l.indexOf(' ') + 1));
    expect(lines.some((l) => l.includes(`${victim} run${oldRun}`))).toBe(true);
    expect(lines.some((l) => l.includes(`${victim} run${newRun}`))).toBe(true);
    expect(lines.some((l) => l.includes(`${pods[1]} run`))).toBe(true);
    expect(lines.length).toBeGreaterThan(10);
    expect(new Set(lines).size).toBe(lines.length);

    // The previous run of the restarted container.
    await page.getByTestId('wl-previous').check();
    await eventually("the previous run's lines", async () => (await dock.locator('[data-testid="wl-line"]').allInnerTexts()).some((t) => t.includes(`run${oldRun}`)), 30_000);
    await page.getByTestId('wl-close').click();
    await page.getByTestId('side-panel-close').click();
  });

  it("draws a Deployment's pods as one card with counts by state, folding open and shut, its Service joined to the card", async () => {
    if (await page.getByTestId('side-panel-close').isVisible()) await page.getByTestId('side-panel-close').click();
    const card = page.getByTestId('card-deployment-default-web');
    await expect.poll(async () => card.getByTestId('card-counts').innerText(), { timeout: 30_000 }).toMatch(/^2 pods · 2 running$/);
    expect(await card.getAttribute('data-collapsed')).toBe('false');
    expect(await page.locator('[data-testid^="pod-default-web-"]').count()).toBe(2);
    // One edge from the Service to the card, not one per pod.
    expect(await page.locator('[data-testid^="rf__edge-edge:svc:default/web->"]').count()).toBe(1);
    await card.getByTestId('card-toggle').click();
    await expect.poll(async () => card.getAttribute('data-collapsed')).toBe('true');
    expect(await page.locator('[data-testid^="pod-default-web-"]').count()).toBe(0);
    await screenshot(page, 'ops-7-card-collapsed');
    await card.getByTestId('card-toggle').click();
    await expect.poll(async () => page.locator('[data-testid^="pod-default-web-"]').count()).toBe(2);
    const names = (await webPods()).map((p) => p.name);
    for (const n of names) expect(await page.getByTestId(`pod-default-${n}`).count()).toBe(1);
  });

  it("says on a Deployment's card how its rollout stands, in warning colour once its progress deadline passed", async () => {
    await kubectl.ok(['create', 'deployment', 'roll', '--image=local/busybox:1', '--', 'sleep', '3600']);
    const card = page.getByTestId('card-deployment-default-roll');
    await expect.poll(async () => card.getByTestId('card-counts').innerText(), { timeout: 60_000 }).toBe('1 pod · 1 running');
    // Rolled out (once the Deployment's status has caught up with its pod): nothing to say.
    await expect.poll(async () => card.getByTestId('card-rollout').count(), { timeout: 30_000 }).toBe(0);
    // An image no registry has: the new pod never becomes available, and after 10 s the rollout is stuck.
    await kubectl.ok(['patch', 'deployment', 'roll', '-p', '{"spec":{"progressDeadlineSeconds":10}}']);
    await kubectl.ok(['set', 'image', 'deployment/roll', 'busybox=local/no-such-image:1']);
    const rollout = card.getByTestId('card-rollout');
    await expect.poll(async () => (await rollout.count()) && rollout.innerText(), { timeout: 30_000 }).toMatch(/^⟳ rolling out: /);
    await expect.poll(async () => rollout.innerText(), { timeout: 60_000 }).toMatch(/^⚠ rollout stuck: deadline passed/);
    expect(await rollout.getAttribute('class')).toContain('warning-text');
    expect(await rollout.getAttribute('title')).toMatch(/^deployment "roll" exceeded its progress deadline/);
    await screenshot(page, 'ops-8-rollout-stuck');
    // Back to an image that runs: rolled out again, the line goes.
    await kubectl.ok(['rollout', 'undo', 'deployment/roll']);
    await rollout.waitFor({ state: 'detached', timeout: 90_000 });
    await kubectl.ok(['delete', 'deployment', 'roll']);
    await card.waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('draws an Ingress beside the Service it routes to, with its address once taken, and says when a routed Service is missing', async () => {
    await kubectl.ok(['create', 'ingress', 'web-site', '--rule=web.lab/*=web:80', '--rule=api.lab/*=missing:80']);
    const ing = page.getByTestId('ing-default-web-site');
    await ing.waitFor({ timeout: 30_000 });
    expect(await ing.innerText()).toContain('web.lab, api.lab');
    // The missing Service is named, not guessed at; then the address the ingress controller gave (both lab nodes', the first shown).
    await expect.poll(async () => ing.getByTestId('ingress-state').innerText(), { timeout: 30_000 }).toBe('no Service missing');
    await expect.poll(async () => page.locator('[data-testid="rf__edge-edge:ing:default/web-site->svc:default/web"]').count(), { timeout: 30_000 }).toBe(1);
    await kubectl.ok(['patch', 'ingress', 'web-site', '--type=json', '-p', '[{"op":"remove","path":"/spec/rules/1"}]']);
    await expect.poll(async () => ing.getByTestId('ingress-state').innerText(), { timeout: 30_000 }).toMatch(/^[\d.:a-f]+ \+1 · 1 route$/);
    await screenshot(page, 'ops-9-ingress');
    await ing.click();
    await expect.poll(async () => page.getByTestId('side-panel').innerText(), { timeout: 15_000 }).toContain('web-site');
    await kubectl.ok(['delete', 'ingress', 'web-site']);
    await ing.waitFor({ state: 'detached', timeout: 30_000 });
  });
});
