import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickDeployment } from '../compat/cluster.js';
import { launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { eventually, type Kubectl } from '../support/kubectl.js';
import { startUiCluster, type UiCluster } from '../support/uiCluster.js';

// Metrics and the network in the UI, through the UI only (browser mode in Chromium), checked
// against the API with the real kubectl: usage on the canvas, in the tables and panels (as
// `kubectl top` prints it), and where a Service answers. One control plane whose local machine is
// a uniquely named node; metrics scraped every 2 s so the spec need not wait 15 s per sample.

let u: UiCluster;
let k: Kubectl;
let browser: LaunchedBrowser;
let page: Page;

const APP = `${tickDeployment('web', 1)}---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

/** Drops a manifest on the canvas as a user does, and waits for every result. */
async function drop(name: string, text: string): Promise<string[]> {
  await page.getByTestId('view-canvas').click();
  const dt = await page.evaluateHandle(([n, t]) => {
    const d = new DataTransfer();
    d.items.add(new File([t as string], n as string, { type: 'application/yaml' }));
    return d;
  }, [name, text]);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('[data-testid="canvas"]', type, { dataTransfer: dt });
  await page.locator('[data-testid="drop-results"][data-running="false"]').waitFor({ timeout: 30_000 });
  const outcomes = await page.locator('[data-testid^="drop-result-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-outcome') ?? ''));
  await page.getByTestId('drop-results-close').click();
  return outcomes;
}

/** `kubectl top <kind> <name> --no-headers` as columns; undefined while it has no sample. */
async function top(args: string[]): Promise<string[] | undefined> {
  const r = await k.run(['top', ...args, '--no-headers']);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim().split(/\s+/) : undefined;
}

let podName: string;

beforeAll(async () => {
  u = await startUiCluster('uimetrics', { metricsResolutionMs: 2_000 });
  k = u.c.k;
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(u.loginUrl());
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
  expect(await drop('app.yaml', APP)).toEqual(['created', 'created']);
  podName = await eventually('the web pod to run', async () => {
    const out = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}']);
    return out.split('\n').find((l) => l.endsWith(' Running'))?.split(' ')[0];
  }, 90_000);
  // The API has a sample of both before the UI is asked to show them.
  await eventually('kubectl top to know the pod and the node', async () => !!(await top(['pod', podName])) && !!(await top(['node', u.c.nodeName])), 60_000, 1_000);
});

afterAll(async () => {
  await browser?.close();
  await u?.stop();
});

describe('metrics and network in the browser', () => {
  it('shows the usage kubectl top prints on the node card, the pod chip and (summed) the workload card', async () => {
    const nodeLine = page.getByTestId(`node-usage-${u.c.nodeName}`);
    const podLine = page.getByTestId(`pod-usage-default-${podName}`);
    await nodeLine.waitFor({ state: 'attached', timeout: 30_000 });
    await podLine.waitFor({ state: 'attached', timeout: 30_000 });
    // The UI polls on its own cadence: the line is there (empty) before its first sample lands.
    await expect.poll(async () => nodeLine.getAttribute('data-cpu'), { timeout: 30_000, interval: 500 }).toMatch(/^\d+m$/);
    expect(await nodeLine.getAttribute('data-memory')).toMatch(/^\d+Mi$/);
    // The same figure as kubectl top, read in the same moment (samples move every 2 s: poll until a pair agrees).
    await expect
      .poll(async () => {
        const [, , mem] = (await top(['pod', podName])) ?? [];
        return (await podLine.getAttribute('data-memory')) === mem;
      }, { timeout: 60_000, interval: 500 })
      .toBe(true);
    await expect
      .poll(async () => {
        const [, , , mem] = (await top(['node', u.c.nodeName])) ?? [];
        return (await nodeLine.getAttribute('data-memory')) === mem;
      }, { timeout: 60_000, interval: 500 })
      .toBe(true);
    // The Deployment's card sums its pods' use: with one replica, the pod's figure.
    const cardLine = page.getByTestId('workload-usage-deployment-default-web');
    await expect
      .poll(async () => {
        const [, , mem] = (await top(['pod', podName])) ?? [];
        return (await cardLine.getAttribute('data-memory')) === mem && (await cardLine.getAttribute('data-sampled')) === '1';
      }, { timeout: 60_000, interval: 500 })
      .toBe(true);
    await screenshot(page, 'metrics-0-canvas');
  });

  it('shows requests vs usage vs allocatable, the addresses and the pod CIDR in the node panel', async () => {
    await page.getByTestId(`node-${u.c.nodeName}`).click();
    await page.getByTestId('node-details').waitFor();
    const cpu = page.getByTestId('node-requests-cpu');
    await expect.poll(async () => cpu.getAttribute('data-used'), { timeout: 30_000 }).toMatch(/^\d+m$/);
    expect(await cpu.getAttribute('data-usage-percent')).toMatch(/^\d+$/);
    const [, , cpuPct] = (await top(['node', u.c.nodeName])) ?? [];
    expect(cpuPct).toMatch(/^\d+%$/);
    expect(await page.getByTestId('node-requests-memory').getAttribute('data-used')).toMatch(/^\d+Mi$/);
    const cidr = (await k.ok(['get', 'node', u.c.nodeName, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
    expect(cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(await page.getByTestId('node-pod-cidr').innerText()).toContain(cidr);
    const ip = (await k.ok(['get', 'node', u.c.nodeName, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).trim();
    expect(await page.getByTestId('node-addresses').innerText()).toContain(ip);
    // Both themes: the dark one, and the light one (Chromium's default here) that follows the system.
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'metrics-1-node-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    await screenshot(page, 'metrics-1-node');
    await page.keyboard.press('Escape');
  });

  it('shows usage in the pod panel, and CPU and Memory columns in the pods and nodes tables that sort', async () => {
    await page.getByTestId(`pod-default-${podName}`).click();
    await page.getByTestId('pod-details').waitFor();
    await expect.poll(async () => page.getByTestId('pod-usage').getAttribute('data-memory'), { timeout: 30_000 }).toMatch(/^\d+Mi$/);
    expect(await page.getByTestId('container-usage-main').innerText()).toMatch(/main\s+\d+m\s+\d+Mi/);
    await page.keyboard.press('Escape');

    await page.getByTestId('view-resources').click();
    await page.getByTestId('kind-pods').click();
    await page.getByTestId('resource-table').waitFor();
    const row = page.getByTestId(`rt-row-default/${podName}`);
    await expect.poll(async () => row.innerText(), { timeout: 30_000 }).toMatch(/\d+m\s+\d+Mi/);
    await page.getByTestId('rt-sort-Memory').click();
    expect(await page.getByTestId('rt-sort-Memory').getAttribute('aria-sort')).toBe('ascending');
    await page.getByTestId('rt-sort-Memory').press('Enter');
    expect(await page.getByTestId('rt-sort-Memory').getAttribute('aria-sort')).toBe('descending');
    await screenshot(page, 'metrics-2-pods-table');

    await page.getByTestId('kind-nodes').click();
    const nodeRow = page.getByTestId(`rt-row-${u.c.nodeName}`);
    await expect.poll(async () => nodeRow.innerText(), { timeout: 30_000 }).toMatch(/\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  it("shows where the Service answers: its cluster IP and its node port on the node's address", async () => {
    const clusterIP = (await k.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const nodePort = (await k.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}'])).trim();
    const ip = (await k.ok(['get', 'node', u.c.nodeName, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).trim();
    expect(nodePort).toMatch(/^\d+$/);
    await page.getByTestId('view-canvas').click();
    await page.getByTestId('svc-default-web').click();
    await page.getByTestId('service-details').waitFor();
    const answers = page.getByTestId('service-answers');
    await answers.waitFor();
    const rows = await answers.locator('[data-testid="service-answer"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-via')} ${e.getAttribute('data-address')}`));
    expect(rows).toContain(`cluster IP ${clusterIP}:80/TCP`);
    expect(rows).toContain(`node port ${ip}:${nodePort}/TCP`);
    // Port 80 named http: a link in browser mode, to the node port.
    expect(await answers.locator('[data-testid="service-answer-link"]').first().getAttribute('href')).toBe(`http://${ip}:${nodePort}/`);
    await screenshot(page, 'metrics-3-service');
    // The Services table says it too.
    await page.keyboard.press('Escape');
    await page.getByTestId('view-resources').click();
    await page.getByTestId('kind-services').click();
    await expect.poll(async () => page.getByTestId('rt-row-default/web').innerText(), { timeout: 30_000 }).toContain(`${ip}:${nodePort}/TCP`);
  });
});
