import { DEFAULT_CLUSTER_NETWORK, type ClusterNetwork } from '../../src/orchestrator/api/clusterNetwork.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ControlPlaneOptions } from '../../src/orchestrator/controlPlane.js';
import { startTestControlPlane, type TestControlPlane } from '../support/controlPlane.js';
import { ensureBusybox } from '../support/images.js';
import { cleanupLocalNode, leaseTestNetwork } from '../support/testNetwork.js';
import { eventually, type Kubectl } from '../support/kubectl.js';

/** The answer of a raw API request: status, headers and body text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A live Skiff for one compat file: a real control plane whose local node (named uniquely, so
 * concurrent runs on the shared Docker engine never touch each other's containers) runs real
 * containers, the real kubectl, a temp folder for manifests and a raw HTTPS client.
 */
export interface CompatCluster {
  t: TestControlPlane;
  k: Kubectl;
  nodeName: string;
  home: string;
  /** The cluster's pod and service ranges (leased per test cluster: several share this machine). */
  network: ClusterNetwork;
  /** Writes `text` to `name` (subfolders allowed) under the cluster's temp folder; returns the path. */
  file(name: string, text: string): string;
  /** The admin bearer token (the kubeconfig's). */
  token(): string;
  /** One HTTPS request to the API with the admin token unless `headers.authorization` says otherwise. */
  api(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<RawResponse>;
  /** Waits until `kubectl get pod` says the pod is `phase` (default Running). */
  phase(pod: string, phase?: string, ns?: string): Promise<void>;
  /** Stops the control plane, keeping SKIFF_HOME (and the containers). */
  down(): Promise<void>;
  /** Starts it again on the same data (same options, so the same port when one was given). */
  up(): Promise<void>;
  /** `down()` then `up()`. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCompatCluster(prefix: string, opts: Partial<ControlPlaneOptions> = {}): Promise<CompatCluster> {
  await ensureBusybox();
  const nodeName = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const home = mkdtempSync(join(tmpdir(), `skiff-${prefix}-home-`));
  const dir = mkdtempSync(join(tmpdir(), `skiff-${prefix}-`));
  // One pod/service range for the cluster's whole life, restarts included (its Nodes keep their CIDRs).
  const lease = opts.network ? undefined : await leaseTestNetwork();
  const start = () => startTestControlPlane({ localNode: 'on', localNodeName: nodeName, home, ...(lease ? { network: lease.network } : {}), ...opts });
  let t = await start();
  const cluster: CompatCluster = {
    t,
    k: t.kubectl,
    nodeName,
    home,
    network: { ...DEFAULT_CLUSTER_NETWORK, ...(lease?.network ?? opts.network) },
    file(name, text) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    token: () => readFileSync(join(home, 'admin.token'), 'utf8').trim(),
    api(method, path, body, headers = {}) {
      const url = new URL(path, t.cp.apiUrl);
      return new Promise((resolve, reject) => {
        const req = request(
          url,
          { method, ca: t.cp.caPem, headers: { authorization: `Bearer ${cluster.token()}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    async phase(pod, phase = 'Running', ns = 'default') {
      await eventually(`pod ${pod} to be ${phase}`, async () => (await cluster.k.ok(['get', 'pod', pod, '-n', ns, '-o', 'jsonpath={.status.phase}'])) === phase, 90_000);
    },
    async down() {
      await t.cp.dispose();
    },
    async restart() {
      await cluster.down();
      await cluster.up();
    },
    async up() {
      t = await start();
      cluster.t = t;
      // A new port, so a new kubeconfig (same path) and a fresh kubectl cache.
      cluster.k = t.kubectl;
      await readyNode(cluster);
    },
    async stop() {
      await t.cp.dispose();
      // The control plane leaves containers and the node's network in place by design: remove this node's, and only those.
      await cleanupLocalNode(nodeName);
      lease?.release();
    },
  };
  await readyNode(cluster);
  return cluster;
}

async function readyNode(c: CompatCluster): Promise<void> {
  if (!c.t.cp.localNode) return;
  await eventually('the local node to be Ready', async () => (await c.k.ok(['get', 'nodes', c.nodeName])).includes(' Ready '), 60_000);
}

/** A Deployment of busybox pods that log a line per second and stop at once on TERM. */
export function tickDeployment(name: string, replicas: number, opts: { image?: string; labels?: string; env?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}${opts.labels ? `, ${opts.labels}` : ''}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: ${opts.image ?? 'local/busybox:1'}
        command: ["sh", "-c", "echo started $HOSTNAME; trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]
        env: [{name: MODE, value: compat}${opts.env ?? ''}]
`;
}

/** Names of the pods matching `selector` that are Running and not terminating. */
export async function runningPods(k: Kubectl, selector: string, ns = 'default'): Promise<string[]> {
  const out = await k.ok(['get', 'pods', '-n', ns, '-l', selector, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}']);
  return out
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((f) => f[1] === 'Running' && f.length === 2)
    .map((f) => f[0] as string);
}
