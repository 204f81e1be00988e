import { readFileSync } from 'node:fs';
import type { Lab, LabHost } from '../lab/lab.js';
import { eventually } from './kubectl.js';
import { startTestControlPlane, type TestControlPlane } from './controlPlane.js';
import type { ControlPlaneOptions } from '../../src/orchestrator/controlPlane.js';

/** The Host object and key Secret that add a lab host to a cluster, as the UI's Add host does. */
export function hostManifest(lab: Lab, h: LabHost): string {
  const key = readFileSync(lab.keyPath).toString('base64');
  return `apiVersion: v1
kind: Secret
metadata: {name: skiff-host-${h.name}, namespace: kube-system}
type: Opaque
data: {ssh-privatekey: ${key}}
---
apiVersion: skiff.dev/v1alpha1
kind: Host
metadata: {name: ${h.name}}
spec:
  address: ${h.ip}
  user: ${lab.user}
  privateKeySecretRef: {namespace: kube-system, name: skiff-host-${h.name}}
`;
}

/**
 * A control plane in this process (no local node) with the lab's hosts added over SSH, waiting
 * until every node is Ready and says its pod network is up. Default pod and service ranges: the lab
 * is the machine's only one (its lock), so no other cluster shares these hosts.
 */
export async function startLabCluster(lab: Lab, opts: Partial<ControlPlaneOptions> = {}): Promise<TestControlPlane> {
  const t = await startTestControlPlane({ localNode: 'off', ...opts });
  try {
    await t.kubectl.ok(['apply', '-f', '-'], { input: lab.hosts.map((h) => hostManifest(lab, h)).join('---\n') });
    await eventually(
      'every lab node Ready with its pod network up',
      async () => {
        const out = await t.kubectl.ok(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="NetworkUnavailable")].status}{"\\n"}{end}']);
        const ok = out.split('\n').filter((l) => / True False$/.test(l)).length;
        return ok === lab.hosts.length;
      },
      240_000,
      1_000,
    );
    return t;
  } catch (e) {
    await t.stop();
    throw e;
  }
}
