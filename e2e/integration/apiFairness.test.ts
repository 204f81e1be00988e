import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/controlPlane.js';
import { eventually, Kubectl } from '../support/kubectl.js';
import { startServe, type ServeProcess } from '../support/serve.js';

// API priority and fairness with the real product (`serve`, a process of its own): while the
// controllers create the pods of a big Deployment (no nodes, so the scheduler also writes a status
// and an event per pod), /healthz and a person's GETs keep answering, and the Deployment's DELETE
// is processed and its pods go. Before, /healthz timed out for minutes under the same load.
const REPLICAS = 1000;
/** An answer slower than this is a failure: the issue saw no answer for over 5 minutes. */
const ANSWER_WITHIN_MS = 10_000;

let serve: ServeProcess;
let home: string;
let apiUrl: string;
let token: string;
let agent: Agent;
let k: Kubectl;

function get(path: string): Promise<{ status: number; ms: number; body: string }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, apiUrl), { agent, timeout: ANSWER_WITHIN_MS, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - t0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${ANSWER_WITHIN_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'skiff-fairness-'));
  const apiPort = await freePort();
  serve = await startServe({ SKIFF_HOME: home, SKIFF_API_PORT: String(apiPort), SKIFF_UI_PORT: String(await freePort()), SKIFF_KUBELET_PORT: String(await freePort()), SKIFF_LOCAL_NODE: 'off' });
  apiUrl = `https://127.0.0.1:${apiPort}`;
  token = readFileSync(join(home, 'admin.token'), 'utf8').trim();
  agent = new Agent({ keepAlive: true, maxSockets: 4, ca: readFileSync(join(home, 'pki', 'ca.crt'), 'utf8') });
  k = new Kubectl(join(home, 'kubeconfig'));
});

afterAll(async () => {
  agent?.destroy();
  await serve?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('API priority and fairness', () => {
  it(`keeps answering /healthz and GETs while controllers create ${REPLICAS} pods, and processes the DELETE`, async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: default}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: c, image: local/busybox:1}]}
`;
    await k.ok(['apply', '-f', '-'], { input: manifest });
    // Probe rounds that saw the creation under way (some pods made, not all): the API answered meanwhile.
    let during = 0;
    // The pods in the namespace (only the Deployment's): one item and the count of the rest.
    const owned = async () => {
      const r = await get('/api/v1/namespaces/default/pods?limit=1');
      const l = JSON.parse(r.body) as { items: unknown[]; metadata: { remainingItemCount?: number } };
      return l.items.length + (l.metadata.remainingItemCount ?? 0);
    };
    // Probe every 50 ms until every replica exists; every probe must be answered in time. How many
    // rounds see the creation under way depends on how fast the machine creates pods (a faster
    // create path once left only 4 rounds at 200 ms apart): what matters is that some do.
    for (let created = 0; created < REPLICAS; ) {
      const h = await get('/healthz');
      expect(h.status).toBe(200);
      const d = await get('/apis/apps/v1/namespaces/default/deployments/big');
      expect(d.status).toBe(200);
      created = await owned();
      if (created > 0 && created < REPLICAS) during++;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Starved, the first probe after the ReplicaSet started would only be answered once it had
    // finished: no round would see it under way.
    expect(during).toBeGreaterThanOrEqual(2);
    // A person's kubectl, meanwhile: a Table list of the pods, paged as kubectl pages it.
    const rows = (await k.ok(['get', 'pods', '-n', 'default', '--no-headers'], { timeoutMs: 60_000 })).trim().split('\n');
    expect(rows.length).toBeGreaterThanOrEqual(REPLICAS);
    await k.ok(['delete', 'deployment', 'big', '-n', 'default', '--wait=false'], { timeoutMs: ANSWER_WITHIN_MS * 3 });
    await eventually(
      'every pod of the deleted Deployment to go',
      async () => {
        const h = await get('/healthz');
        expect(h.status).toBe(200);
        const l = JSON.parse((await get('/api/v1/namespaces/default/pods?labelSelector=app%3Dbig&limit=1')).body) as { items: unknown[] };
        return l.items.length === 0;
      },
      300_000,
      500,
    );
  }, 600_000);
});
