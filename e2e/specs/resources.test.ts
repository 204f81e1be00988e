import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickDeployment } from '../compat/cluster.js';
import { launchBrowser, screenshot, type LaunchedBrowser } from '../support/browser.js';
import { eventually, type Kubectl } from '../support/kubectl.js';
import { startUiCluster, type UiCluster } from '../support/uiCluster.js';

// The resource browser, YAML and the actions, through the UI only, checked with the real kubectl.
// One control plane whose local machine is a uniquely named node; no lab needed.

let u: UiCluster;
let k: Kubectl;
let browser: LaunchedBrowser;
let page: Page;

const SHOP = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
${tickDeployment('web', 2).replace('name: web\n', 'name: web\n  namespace: shop\n')}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {team: blue}}
data: {mode: prod}
`;

async function open(): Promise<void> {
  await page.goto(u.loginUrl());
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
}

/** Drops files on the canvas as a user does (drag and drop), and waits for every result. */
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

async function browse(resource: string): Promise<void> {
  await page.getByTestId('view-resources').click();
  await page.getByTestId(`kind-${resource}`).click();
  await page.getByTestId('resource-table').waitFor();
}

async function openRow(key: string): Promise<void> {
  await page.getByTestId(`rt-row-${key}`).click();
  await page.getByTestId('side-panel').waitFor();
}

const jsonpath = (args: string[], path: string) => k.ok([...args, '-o', `jsonpath=${path}`]);

beforeAll(async () => {
  u = await startUiCluster('uires');
  k = u.c.k;
  browser = await launchBrowser();
  page = browser.page;
  await open();
});

afterAll(async () => {
  await browser?.close();
  await u?.stop();
});

describe('resources in the browser', () => {
  it('applies dropped manifests, and reports an identical re-apply as unchanged without writing', async () => {
    expect(await drop('shop.yaml', SHOP)).toEqual(['created', 'created', 'created', 'created']);
    await eventually('2 web pods running', async () => (await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 2, 90_000);
    const rv = await jsonpath(['get', 'configmap', 'settings', '-n', 'shop'], '{.metadata.resourceVersion}');
    expect(await drop('shop.yaml', SHOP)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await jsonpath(['get', 'configmap', 'settings', '-n', 'shop'], '{.metadata.resourceVersion}')).toBe(rv);
    expect(await drop('settings.yaml', SHOP.slice(SHOP.lastIndexOf('apiVersion: v1\nkind: ConfigMap')).replace('mode: prod', 'mode: test'))).toEqual(['configured']);
    expect(await jsonpath(['get', 'configmap', 'settings', '-n', 'shop'], '{.data.mode}')).toBe('test');
  });

  it('lists every served kind; tables sort, filter by name, label and namespace (which filters the canvas too)', async () => {
    await browse('deployments');
    // The server's own columns (kubectl's), from the Table format: they come with the first rows.
    await page.getByTestId('rt-row-shop/web').waitFor();
    await expect.poll(async () => (await page.locator('.rt-th').allTextContents()).map((h) => h.replace(/[▴▾]/g, '').trim())).toEqual(['Namespace', 'Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    await browse('pods');
    await expect.poll(async () => page.getByTestId('resource-table').getAttribute('data-rows')).toBe('2');
    await page.getByTestId('name-filter').fill('no-such-pod');
    await expect.poll(async () => page.getByTestId('resource-table').getAttribute('data-rows')).toBe('0');
    await page.getByTestId('name-filter').fill('');
    await page.getByTestId('label-filter').fill('app=nothing');
    await page.getByTestId('label-filter').press('Enter');
    await expect.poll(async () => page.getByTestId('resource-table').getAttribute('data-rows')).toBe('0');
    await page.getByTestId('label-filter').fill('app=web');
    await page.getByTestId('label-filter').press('Enter');
    await expect.poll(async () => page.getByTestId('resource-table').getAttribute('data-rows')).toBe('2');
    await page.getByTestId('label-filter').fill('app in (web');
    await page.getByTestId('label-filter-error').waitFor();
    expect(await page.getByTestId('label-filter-error').innerText()).toMatch(/^Label selector: unbalanced/);
    await page.getByTestId('label-filter').fill('');
    await page.getByTestId('label-filter').press('Enter');
    // Sorting by name, then reversed.
    await page.getByTestId('rt-sort-Name').click();
    const asc = await page.locator('.rt-row .rt-name').allInnerTexts();
    await page.getByTestId('rt-sort-Name').click();
    const desc = await page.locator('.rt-row .rt-name').allInnerTexts();
    expect(desc).toEqual([...asc].reverse());
    // Namespace: the kube-system pods are not in shop; the canvas follows the picker.
    await page.getByTestId('namespace-picker').selectOption('default');
    await expect.poll(async () => page.getByTestId('resource-table').getAttribute('data-rows').catch(() => '0')).toBe('0');
    await page.getByTestId('view-canvas').click();
    await expect.poll(async () => page.locator('[data-testid^="pod-shop-web-"]').count()).toBe(0);
    await page.getByTestId('namespace-picker').selectOption('shop');
    await expect.poll(async () => page.locator('[data-testid^="pod-shop-web-"]').count(), { timeout: 15_000 }).toBe(2);
    await page.getByTestId('namespace-picker').selectOption('');
  });

  it('opens details from the keyboard, with conditions, events and related objects linked', async () => {
    await browse('deployments');
    // Keys act on the rows: wait for them to be listed.
    await page.getByTestId('rt-row-shop/web').waitFor();
    await page.getByTestId('resource-table-body').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.getByTestId('object-details').waitFor();
    expect(await page.getByTestId('object-conditions').innerText()).toMatch(/Available\s+True/);
    await expect.poll(async () => page.getByTestId('object-events').innerText(), { timeout: 30_000 }).toMatch(/ScalingReplicaSet/);
    const related = page.getByTestId('related');
    expect(await related.innerText()).toMatch(/Children \(1\)[\s\S]*ReplicaSet\/web-[\s\S]*Pods \(2\)/);
    // deployment -> replica set -> pod -> node: every step a link.
    await screenshot(page, 'resources-0-deployment-details');
    // The light theme follows the system's preference.
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    await screenshot(page, 'resources-6-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await related.locator('[data-testid^="related-ReplicaSet-web-"]').click();
    await page.locator('[data-testid="object-details"][data-kind="ReplicaSet"]').waitFor();
    await page.getByTestId('related').locator('[data-testid^="related-Pod-web-"]').first().click();
    await page.getByTestId('pod-details').waitFor();
    expect(await page.getByTestId('related').innerText()).toMatch(new RegExp(`Runs on[\\s\\S]*Node/${u.c.nodeName}[\\s\\S]*Selected by services[\\s\\S]*Service/web`));
    await screenshot(page, 'resources-1-pod-related');
  });

  it('Ctrl+K finds resources as well as commands', async () => {
    await page.keyboard.press('Control+k');
    await page.getByTestId('command-palette-input').fill('settings');
    await page.getByTestId('search-result-ConfigMap-shop-settings').click();
    await page.locator('[data-testid="object-details"][data-kind="ConfigMap"]').waitFor();
    expect(await page.getByTestId('object-labels').innerText()).toContain('team=blue');
  });

  it('scales a deployment, showing its current count', async () => {
    await browse('deployments');
    await openRow('shop/web');
    await page.getByTestId('action-scale').click();
    expect(await page.getByTestId('scale-current').innerText()).toBe('2');
    await page.getByTestId('scale-input').fill('two');
    expect(await page.getByTestId('scale-problem').innerText()).toBe('Replicas: must be a whole number, 0 or more');
    await page.getByTestId('scale-input').fill('3');
    await page.getByTestId('scale-submit').click();
    await page.getByTestId('scale-dialog').waitFor({ state: 'detached' });
    expect(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.replicas}')).toBe('3');
    await eventually('3 ready replicas', async () => (await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.status.readyReplicas}')) === '3', 90_000);
  });

  it('restarts, pauses and resumes a rollout', async () => {
    await page.getByTestId('action-rollout-restart').click();
    await eventually('the restartedAt annotation', async () => (await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.template.metadata.annotations}')).includes('kubectl.kubernetes.io/restartedAt'));
    await page.getByTestId('action-rollout-pause').click();
    await eventually('paused', async () => (await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.paused}')) === 'true');
    await page.getByTestId('action-rollout-resume').waitFor();
    await page.getByTestId('action-rollout-resume').click();
    await eventually('resumed', async () => (await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.paused}')) !== 'true');
    await eventually('the restart rolled out', async () => (await k.run(['rollout', 'status', 'deploy/web', '-n', 'shop', '--timeout=5s'])).code === 0, 120_000);
  });

  it('rolls back to a chosen revision, showing the diff between revisions', async () => {
    await k.ok(['set', 'env', 'deploy/web', '-n', 'shop', 'MODE=changed']);
    await eventually('the new revision rolled out', async () => (await k.run(['rollout', 'status', 'deploy/web', '-n', 'shop', '--timeout=5s'])).code === 0, 120_000);
    const history = await k.ok(['rollout', 'history', 'deploy/web', '-n', 'shop']);
    expect(history).toMatch(/\b3\b/);
    await page.getByTestId('action-rollout-undo').click();
    await page.getByTestId('revision-1').check();
    const diff = await page.getByTestId('rollback-diff').innerText();
    expect(diff).toMatch(/-\s*value: changed/);
    expect(diff).toMatch(/\+\s*value: compat/);
    await screenshot(page, 'resources-2-rollback-diff');
    await page.getByTestId('rollback-confirm').click();
    await page.getByTestId('rollback-dialog').waitFor({ state: 'detached' });
    await eventually('MODE back to compat', async () => (await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.template.spec.containers[0].env[0].value}')) === 'compat');
  });

  it('edits labels and annotations, with errors in the form\'s words', async () => {
    await page.getByTestId('action-edit-labels').click();
    await page.getByTestId('meta-add').click();
    const rows = await page.locator('[data-testid^="meta-key-"]').count();
    await page.getByTestId(`meta-key-${rows - 1}`).fill('tier');
    await page.getByTestId(`meta-value-${rows - 1}`).fill('front end');
    await page.getByTestId('meta-save').click();
    expect(await page.getByTestId('meta-problems').innerText()).toMatch(/Row \d+, Value: must be at most 63/);
    await page.getByTestId(`meta-value-${rows - 1}`).fill('frontend');
    await page.getByTestId('meta-save').click();
    await page.getByTestId('metadata-dialog').waitFor({ state: 'detached' });
    expect(await k.ok(['get', 'deploy', 'web', '-n', 'shop', '--show-labels'])).toContain('tier=frontend');
    await page.getByTestId('action-edit-annotations').click();
    const arows = await page.locator('[data-testid^="meta-key-"]').count();
    await page.getByTestId(`meta-key-${arows - 1}`).fill('skiff.dev/note');
    await page.getByTestId(`meta-value-${arows - 1}`).fill('managed from the UI');
    await page.getByTestId('meta-save').click();
    await page.getByTestId('metadata-dialog').waitFor({ state: 'detached' });
    expect(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], "{.metadata.annotations.skiff\\.dev/note}")).toBe('managed from the UI');
  });

  it('shows YAML without managedFields, with schema checks, completion and docs from the server\'s OpenAPI', async () => {
    // The edit below begins from the object as the editor opens: let the rollback's rollout settle
    // first (its controller still rewrites the revision annotation, a change a review rightly calls a conflict).
    await eventually('the rollout done', async () => (await k.run(['rollout', 'status', 'deploy/web', '-n', 'shop', '--timeout=5s'])).code === 0, 120_000);
    await browse('deployments');
    await openRow('shop/web');
    await page.getByTestId('action-view-yaml').click();
    const editor = page.getByTestId('yaml-editor');
    await expect.poll(async () => editor.innerText()).toMatch(/kind: Deployment/);
    expect(await editor.innerText()).not.toContain('managedFields');
    expect(await k.ok(['get', 'deploy', 'web', '-n', 'shop', '-o', 'yaml', '--show-managed-fields'])).toContain('managedFields');
    await page.getByTestId('yaml-edit').click();
    // An unknown field, as the server's strict validation would name it.
    await page.locator('.cm-line', { hasText: /^  replicas: / }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('replica: 3');
    await page.locator('.cm-lintRange-error').first().waitFor();
    await page.locator('.cm-lintRange-error').first().hover();
    await expect.poll(async () => page.locator('.cm-tooltip-lint').innerText()).toContain('unknown field "spec.replica"');
    // Completion of the fields the mapping does not have yet (paused is there since the resume).
    for (let i = 0; i < 'replica: 3'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('minR');
    await page.keyboard.press('Control+Space');
    await expect.poll(async () => page.locator('.cm-tooltip-autocomplete').innerText()).toContain('minReadySeconds');
    await page.keyboard.press('Escape');
    // The word, the indentation, then the line break.
    for (let i = 0; i < 'minR'.length + 2; i++) await page.keyboard.press('Backspace');
    // Hover docs.
    await page.locator('.cm-line', { hasText: /^  replicas: / }).first().getByText('replicas').hover();
    await expect.poll(async () => page.locator('.cm-schema-doc').innerText()).toMatch(/spec\.replicas \(integer\)[\s\S]*desired pods/);
    await screenshot(page, 'resources-4-yaml-editor');
  });

  it('reviews a YAML edit as a server-side dry-run diff before applying; an identical one is unchanged', async () => {
    const editor = page.getByTestId('yaml-editor');
    await eventually('the rollout done', async () => (await k.run(['rollout', 'status', 'deploy/web', '-n', 'shop', '--timeout=5s'])).code === 0, 120_000);
    const rvBefore = await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.metadata.resourceVersion}');
    await page.getByTestId('yaml-review').click();
    await expect.poll(async () => page.getByTestId('yaml-review-summary').innerText()).toContain('unchanged');
    expect(await page.getByTestId('yaml-apply').isDisabled()).toBe(true);
    expect(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.metadata.resourceVersion}')).toBe(rvBefore);
    await page.getByTestId('yaml-back').click();
    await page.locator('.cm-line', { hasText: /^  replicas: / }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('4');
    await expect.poll(async () => editor.innerText()).toMatch(/replicas: 4/);
    await page.getByTestId('yaml-review').click();
    const diff = await page.getByTestId('yaml-diff').innerText();
    expect(diff).toMatch(/-\s*replicas: 3/);
    expect(diff).toMatch(/\+\s*replicas: 4/);
    expect(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.replicas}')).toBe('3');
    await screenshot(page, 'resources-5-yaml-diff');
    await page.getByTestId('yaml-apply').click();
    await page.getByTestId('yaml-dialog').waitFor({ state: 'detached' });
    expect(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.replicas}')).toBe('4');
  });

  it('a conflicting YAML edit (changed meanwhile) shows both versions and lets the user choose', async () => {
    await page.getByTestId('action-edit-yaml').click();
    await expect.poll(async () => page.getByTestId('yaml-editor').innerText()).toMatch(/replicas: 4/);
    await k.ok(['label', 'deploy', 'web', '-n', 'shop', 'changed-by=kubectl']);
    await page.locator('.cm-line', { hasText: /^  replicas: / }).first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('3');
    await page.getByTestId('yaml-review').click();
    await page.getByTestId('yaml-conflict').waitFor();
    const both = await page.getByTestId('yaml-conflict-diff').innerText();
    expect(both).toMatch(/-\s*changed-by: kubectl/);
    expect(both).toMatch(/\+\s*replicas: 3/);
    await page.getByTestId('yaml-take-theirs').click();
    await expect.poll(async () => page.getByTestId('yaml-editor').innerText()).toMatch(/changed-by: kubectl/);
    await page.keyboard.press('Escape');
    await page.getByTestId('yaml-dialog').waitFor({ state: 'detached' });
    expect(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.replicas}')).toBe('4');
  });

  it('creates a new resource from a template, reviewed as a dry run first', async () => {
    await browse('configmaps');
    await page.getByTestId('new-resource-button').click();
    await page.getByTestId('create-template').selectOption('configmap');
    await page.getByTestId('create-name').fill('Bad Name');
    await page.getByTestId('create-fill').click();
    expect(await page.getByTestId('create-problems').innerText()).toMatch(/^Name: /);
    await page.getByTestId('create-name').fill('made-in-ui');
    await page.getByTestId('create-namespace').fill('shop');
    await page.getByTestId('create-fill').click();
    await expect.poll(async () => page.getByTestId('yaml-editor').innerText()).toMatch(/name: made-in-ui/);
    await page.getByTestId('yaml-review').click();
    await page.getByTestId('create-review').waitFor();
    expect((await k.run(['get', 'cm', 'made-in-ui', '-n', 'shop'])).code).not.toBe(0);
    await page.getByTestId('create-confirm').click();
    await page.getByTestId('create-dialog').waitFor({ state: 'detached' });
    expect(await jsonpath(['get', 'cm', 'made-in-ui', '-n', 'shop'], '{.data.key}')).toBe('value');
  });

  it('evicts a pod through the Eviction API (pods/eviction), which this server serves', async () => {
    const pods = (await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim().split('\n');
    const victim = (pods[0] ?? '').replace('pod/', '');
    await browse('pods');
    await openRow(`shop/${victim}`);
    await page.getByTestId('action-evict-pod').click();
    await page.getByTestId('evict-confirm').click();
    await eventually(`${victim} gone`, async () => (await k.run(['get', 'pod', victim, '-n', 'shop'])).code !== 0, 60_000);
  });

  it('drains a node (cordon, then remove its pods) and uncordons it', async () => {
    await browse('nodes');
    await openRow(u.c.nodeName);
    await page.getByTestId('action-drain-node').click();
    // Eviction is served: drain evicts (respecting budgets), as kubectl does; no fallback warning.
    await page.getByTestId('drain-pods').waitFor();
    expect(await page.getByTestId('drain-no-eviction').count()).toBe(0);
    await expect.poll(async () => page.locator('[data-testid^="drain-pod-web-"]').count()).toBeGreaterThan(0);
    const before = (await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim().split('\n').filter(Boolean);
    await page.getByTestId('drain-confirm').click();
    await page.getByTestId('drain-done').waitFor({ timeout: 120_000 });
    await screenshot(page, 'resources-3-drained');
    expect(await k.ok(['get', 'node', u.c.nodeName])).toContain('SchedulingDisabled');
    const after = (await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim().split('\n');
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByTestId('uncordon-button').click();
    await eventually('uncordoned', async () => !(await k.ok(['get', 'node', u.c.nodeName])).includes('SchedulingDisabled'));
    const replicas = Number(await jsonpath(['get', 'deploy', 'web', '-n', 'shop'], '{.spec.replicas}'));
    await eventually(`${replicas} web pods running again`, async () => (await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'name'])).trim().split('\n').filter(Boolean).length === replicas, 120_000);
  });

  it('deletes a deployment after a confirmation that names its replica sets and pods', async () => {
    await browse('deployments');
    await openRow('shop/web');
    await page.getByTestId('action-delete').click();
    const pods = (await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length;
    const sets = (await k.ok(['get', 'rs', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length;
    const consequence = await page.getByTestId('delete-consequence').innerText();
    expect(consequence).toContain(`It owns ${sets} ReplicaSet${sets === 1 ? '' : 's'} and ${pods} Pods`);
    await page.getByTestId('delete-confirm').click();
    await eventually('the deployment and its pods gone', async () => {
      const d = await k.run(['get', 'deploy', 'web', '-n', 'shop']);
      const p = await k.ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name']);
      return d.code !== 0 && p.trim() === '';
    }, 90_000);
  });
});
