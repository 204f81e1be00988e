import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../lab/lab.js';
import { freePort } from '../support/controlPlane.js';
import { eventually, Kubectl } from '../support/kubectl.js';
import { startServe, type ServeProcess } from '../support/serve.js';

// A restart or a sleep never costs a pod: the app (browser mode's `serve`, the same control plane
// the desktop runs) restarted and frozen with pods on two lab hosts, and a host really down across a
// restart. Tight settings (grace 12 s, eviction 3 s) make any wrong eviction show at once.

const GRACE_S = 12;
const EVICTION_S = 3;

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "exec sleep 100000"]
`;

interface PodRow {
  uid: string;
  name: string;
  node: string;
  phase: string;
  ready: boolean;
  restarts: number;
}

let lab: Lab;
let serve: ServeProcess;
let kubectl: Kubectl;
let home: string;
const env: Record<string, string> = {};

async function pods(): Promise<PodRow[]> {
  const list = JSON.parse(await kubectl.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as {
    items: { metadata: { uid: string; name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] } }[];
  };
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      uid: p.metadata.uid,
      name: p.metadata.name,
      node: p.spec.nodeName ?? '',
      phase: p.status?.phase ?? '',
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
    }));
}

/** Every Skiff container on the lab hosts (default: all), by id: a restarted or replaced container changes it. */
async function containers(hosts = lab.hosts.map((h) => h.name)): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const h of lab.hosts.filter((x) => hosts.includes(x.name))) {
    const ids = (await lab.dockerOn(h.name, ['ps', '-q', '--no-trunc', '--filter', 'label=io.skiff.managed=true'])).stdout.trim();
    out[h.name] = ids.split('\n').filter(Boolean).sort();
  }
  return out;
}

async function evictions(): Promise<string[]> {
  const out = await kubectl.ok(['get', 'events', '-A', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={range .items[*]}{.involvedObject.name}{"\\n"}{end}']);
  return out.split('\n').filter(Boolean);
}

async function nodesReady(names: string[]): Promise<boolean> {
  const out = await kubectl.ok(['get', 'nodes', '--no-headers']);
  return names.every((n) => new RegExp(`^${n}\\s+Ready\\s`, 'm').test(out));
}

async function hostsReady(n: number): Promise<boolean> {
  const phases = await kubectl.ok(['get', 'hosts', '-o', 'jsonpath={.items[*].status.phase}']);
  return phases.split(' ').filter((p) => p === 'Ready').length === n;
}

/**
 * The same pods (uids) and containers as before, no container restarted, nothing evicted. A pod may
 * have been marked not ready meanwhile (its node really was unreachable for longer than the grace
 * period on a slow machine); it must be ready again.
 */
async function assertNothingLost(before: { pods: PodRow[]; containers: Record<string, string[]> }): Promise<void> {
  await eventually('every pod ready again', async () => (await pods()).every((p) => p.ready), 60_000);
  const after = await pods();
  expect(after.map((p) => p.uid).sort()).toEqual(before.pods.map((p) => p.uid).sort());
  expect(after.map((p) => p.restarts)).toEqual(after.map(() => 0));
  expect(await containers()).toEqual(before.containers);
  expect(await evictions()).toEqual([]);
}

/** Stops the app and starts it again on the same data; returns the seconds until every host is Ready. */
async function restartApp(readyHosts: number): Promise<number> {
  await serve.stop();
  const t0 = Date.now();
  serve = await startServe(env);
  await eventually(`${readyHosts} hosts Ready after the restart`, () => hostsReady(readyHosts), 120_000);
  return (Date.now() - t0) / 1000;
}

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
  home = mkdtempSync(join(tmpdir(), 'skiff-e2e-restart-'));
  Object.assign(env, {
    SKIFF_HOME: home,
    SKIFF_API_PORT: String(await freePort()),
    SKIFF_UI_PORT: String(await freePort()),
    SKIFF_LOCAL_NODE: 'off',
    SKIFF_NODE_GRACE_SECONDS: String(GRACE_S),
    SKIFF_EVICTION_SECONDS: String(EVICTION_S),
  });
  serve = await startServe(env);
  kubectl = new Kubectl(join(home, 'kubeconfig'));
  await kubectl.ok(['create', 'secret', 'generic', 'lab-key', '-n', 'kube-system', `--from-file=ssh-privatekey=${lab.keyPath}`]);
  const hosts = lab.hosts
    .map((h) => `apiVersion: skiff.dev/v1alpha1\nkind: Host\nmetadata: {name: ${h.name}}\nspec: {address: ${h.ip}, user: root, privateKeySecretRef: {namespace: kube-system, name: lab-key}}\n`)
    .join('---\n');
  await kubectl.ok(['apply', '-f', '-'], { input: hosts });
  await eventually('both hosts Ready', () => hostsReady(2), 180_000);
  await kubectl.ok(['apply', '-f', '-'], { input: WEB });
  await eventually('4 web pods Ready on both hosts', async () => {
    const ps = await pods();
    return ps.length === 4 && ps.every((p) => p.ready) && new Set(ps.map((p) => p.node)).size === 2;
  }, 120_000);
  // The key file is the lab's; it was only read into the Secret.
  expect(readFileSync(lab.keyPath, 'utf8')).toContain('PRIVATE KEY');
}, 600_000);

afterAll(async () => {
  await serve?.stop();
  await lab?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('a restart or a sleep never costs a pod', () => {
  it('restarts the app: both hosts Ready again, no pod replaced, no container restarted', async () => {
    const before = { pods: await pods(), containers: await containers() };
    const seconds = await restartApp(2);
    console.log(`[restart] both hosts Ready ${seconds.toFixed(1)} s after the app started again`);
    if (process.env.SKIFF_TEST_LOG) console.log(await kubectl.ok(['get', 'hosts', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{range .status.steps[*]}  {.name} {.startedAt} {.finishedAt} {.message}{"\\n"}{end}{end}']));
    await eventually('both nodes Ready', () => nodesReady(lab.hosts.map((h) => h.name)), 60_000);
    // Longer than grace + eviction: a wrong eviction would have happened by now.
    await new Promise((r) => setTimeout(r, (GRACE_S + EVICTION_S + 3) * 1000));
    await assertNothingLost(before);
  });

  it('is frozen (SIGSTOP) longer than grace and eviction together, then thawed: nothing is lost', async () => {
    const before = { pods: await pods(), containers: await containers() };
    serve.child.kill('SIGSTOP');
    // The scenario itself: the app does not run for this long (a laptop lid closed).
    await new Promise((r) => setTimeout(r, (GRACE_S + EVICTION_S + 10) * 1000));
    serve.child.kill('SIGCONT');
    await eventually('both hosts Ready after the thaw', () => hostsReady(2), 120_000);
    await eventually('both nodes Ready after the thaw', () => nodesReady(lab.hosts.map((h) => h.name)), 60_000);
    await new Promise((r) => setTimeout(r, (GRACE_S + EVICTION_S + 3) * 1000));
    await assertNothingLost(before);
  });

  it('replaces the pods of a host that is really down across a restart, and only those', async () => {
    const up = lab.hosts[0] as { name: string };
    const down = lab.hosts[1] as { name: string };
    const before = await pods();
    const upContainers = (await containers([up.name]))[up.name];
    await serve.stop();
    await lab.stopHost(down.name, { hard: true });
    serve = await startServe(env);
    await eventually(`${up.name} Ready again`, () => nodesReady([up.name]), 120_000);
    await eventually(`4 web pods Ready, all on ${up.name}`, async () => {
      const ps = await pods();
      return ps.length === 4 && ps.every((p) => p.ready && p.node === up.name);
    }, 180_000);
    const after = await pods();
    const kept = before.filter((p) => p.node === up.name).map((p) => p.uid);
    expect(after.map((p) => p.uid)).toEqual(expect.arrayContaining(kept));
    const gone = before.filter((p) => p.node === down.name).map((p) => p.name).sort();
    expect((await evictions()).sort()).toEqual(gone);
    // The surviving host's original containers still run; the replacements were added beside them.
    expect((await containers([up.name]))[up.name]).toEqual(expect.arrayContaining(upContainers ?? []));
    expect(await kubectl.ok(['get', 'nodes', down.name, '--no-headers'])).toMatch(/NotReady/);
  });
});
