import { readFileSync } from 'node:fs';
import type { Lab } from '../lab/lab.js';
import { eventually, type Kubectl } from './kubectl.js';

/**
 * Adds every lab host to the cluster with kubectl (a key Secret and a Host, as the add-host dialog
 * applies them) and waits until each is a Ready node. For specs whose subject is not adding hosts.
 */
export async function addLabHosts(kubectl: Kubectl, lab: Lab): Promise<void> {
  const key = readFileSync(lab.keyPath, 'utf8');
  const docs = lab.hosts.flatMap((h) => [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `skiff-host-${h.name}`, namespace: 'kube-system' },
      type: 'kubernetes.io/ssh-auth',
      stringData: { 'ssh-privatekey': key.trim() + '\n' },
    },
    {
      apiVersion: 'skiff.dev/v1alpha1',
      kind: 'Host',
      metadata: { name: h.name },
      spec: { address: h.ip, port: h.sshPort, user: lab.user, privateKeySecretRef: { namespace: 'kube-system', name: `skiff-host-${h.name}` } },
    },
  ]);
  // skiff.dev has no OpenAPI document yet, so kubectl cannot validate a Host client-side.
  await kubectl.ok(['apply', '--validate=false', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }) });
  await eventually('every lab host Ready', async () => {
    const phases = await kubectl.ok(['get', 'hosts', '-o', 'jsonpath={.items[*].status.phase}']);
    return phases.split(' ').filter((p) => p === 'Ready').length === lab.hosts.length;
  }, 240_000, 1000);
  await eventually('every lab node Ready', async () => {
    const out = await kubectl.ok(['get', 'nodes']);
    return lab.hosts.every((h) => new RegExp(`${h.name}\\s+Ready`).test(out));
  }, 120_000, 1000);
}
