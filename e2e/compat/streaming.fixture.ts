import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestControlPlane, type TestControlPlane } from '../support/controlPlane.js';
import { ensureBusybox } from '../support/images.js';
import { eventually, type Kubectl } from '../support/kubectl.js';

/**
 * A live Skiff for the streaming compat suites (exec, attach, port-forward, the JS client): its own
 * local node name and namespace, so concurrent runs on the same Docker engine never touch each
 * other's containers; `stop()` removes exactly the containers of that node.
 */
export interface StreamingCluster {
  t: TestControlPlane;
  k: Kubectl;
  ns: string;
  nodeName: string;
  /** Applies a manifest (YAML text) in the namespace. */
  apply(yaml: string): Promise<string>;
  /** Waits until the pod's phase is `phase` (default Running). */
  phase(pod: string, phase?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startStreamingCluster(prefix: string): Promise<StreamingCluster> {
  await ensureBusybox();
  const nodeName = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const t = await startTestControlPlane({ localNode: 'on', localNodeName: nodeName });
  const k = t.kubectl;
  const dir = mkdtempSync(join(tmpdir(), `skiff-${prefix}-`));
  let n = 0;
  await eventually('the local node to be Ready', async () => (await k.ok(['get', 'nodes'])).includes(' Ready '));
  await k.ok(['create', 'namespace', nodeName]);
  return {
    t,
    k,
    ns: nodeName,
    nodeName,
    apply(yaml) {
      const f = join(dir, `m${n++}.yaml`);
      writeFileSync(f, yaml);
      return k.ok(['apply', '-n', nodeName, '-f', f]);
    },
    async phase(pod, phase = 'Running') {
      await eventually(`pod ${pod} to be ${phase}`, async () => (await k.ok(['get', 'pod', pod, '-n', nodeName, '-o', 'jsonpath={.status.phase}'])) === phase, 90_000);
    },
    async stop() {
      await t.stop();
      // The control plane leaves containers running by design: remove this node's, and only those.
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=io.skiff.node=${nodeName}`, '--filter', 'label=io.skiff.managed=true']).toString().split('\n').filter(Boolean);
      if (ids.length) execFileSync('docker', ['rm', '-f', ...ids]);
    },
  };
}

/** busybox httpd serving `hello-pf` on port 80 (named `http`). */
export const WEB_POD = (name: string, labels = `{app: ${name}}`) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: ${labels}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: local/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /www; echo hello-pf > /www/index.html; exec httpd -f -p 80 -h /www"]
    ports: [{name: http, containerPort: 80}]
`;
