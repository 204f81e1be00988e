import { isNotFound } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import type { Client } from '../client/types.js';
import { agentPaths, cleanupNetworkScript, removeManagedContainersScript, removeNodeNetworksScript, stopAgentScript } from './agentFiles.js';
import { REMOVAL_STEPS } from './plan.js';
import { sh } from './quote.js';
import type { HostSession } from './ssh.js';
import type { StatusReporter } from './status.js';

async function ignoreNotFound(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/**
 * Takes a host out of the cluster: stops its agent (systemd unit or pid file), removes the node's
 * routes, packet-filter rules and held ports through its host component (exactly what the node
 * made; other rules stay), removes the containers the agent owns, its pod networks and its data
 * dir (which holds the node's token), deletes the Node's pods and the Node (every other node then
 * drops its routes to it), and the token Secret. With no session (the host is unreachable and the
 * controller gave up trying) the host-side steps are reported as skipped; the API side still goes,
 * and the token stops working at once, so a surviving agent can do nothing.
 */
export async function removeHost(a: {
  client: Client;
  report: StatusReporter;
  nodeName: string | undefined;
  session: HostSession | undefined;
  unreachable?: string;
}): Promise<void> {
  const { client, report, nodeName, session } = a;
  await report.begin(REMOVAL_STEPS, nodeName ? `removing node ${nodeName}` : 'removing a host that never joined');
  const run = async (name: string, fn: () => Promise<string>) => {
    await report.step(name, 'running');
    try {
      await report.step(name, 'done', await fn());
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      await report.step(name, 'failed', msg).catch(() => {});
      await report.update((s) => (s.message = msg)).catch(() => {});
      throw e;
    }
  };
  if (!nodeName) {
    for (const d of REMOVAL_STEPS) await run(d.name, async () => 'nothing to do: the host never joined');
    return;
  }
  const p = agentPaths(nodeName);
  const onHost = async (fn: (s: HostSession) => Promise<string>) => (session?.isOpen ? fn(session) : `skipped: ${a.unreachable ?? 'not connected'}`);
  await run('stopAgent', () =>
    onHost(async (s) => {
      const r = await s.exec(stopAgentScript(p));
      if (r.code !== 0) throw new Error(`cannot stop the agent on ${s.target.address}: ${r.stderr.trim() || `exit ${r.code}`}`);
      return 'agent stopped';
    }),
  );
  await run('removeNetwork', () =>
    onHost(async (s) => {
      const r = await s.exec(cleanupNetworkScript(p), { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`cannot remove the node's network rules on ${s.target.address}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' ') || `exit ${r.code}`}`);
      return r.stdout.trim().split('\n').slice(-1)[0] ?? 'done';
    }),
  );
  await run('removeContainers', () =>
    onHost(async (s) => {
      const r = await s.exec(removeManagedContainersScript());
      if (r.code !== 0) throw new Error(`cannot remove the containers on ${s.target.address}: ${r.stderr.trim() || `exit ${r.code}`}`);
      const nets = await s.exec(removeNodeNetworksScript(nodeName));
      await s.exec(sh`rm -rf ${p.dataDir}`);
      return `removed ${Number(r.stdout.trim()) || 0} container(s), ${Number(nets.stdout.trim()) || 0} pod network(s) and ${p.dataDir}`;
    }),
  );
  await run('deleteNode', async () => {
    const pods = await client.list<Pod>('pods', { fieldSelector: `spec.nodeName=${nodeName}` });
    // Their containers are gone (or unreachable): the pods go at once so controllers replace them.
    for (const pod of pods.items) await ignoreNotFound(client.delete('pods', pod.metadata.namespace, pod.metadata.name as string, { gracePeriodSeconds: 0 }));
    const had = await ignoreNotFound(client.delete('nodes', undefined, nodeName));
    return `${had ? `deleted node ${nodeName}` : `node ${nodeName} was already gone`} and ${pods.items.length} pod(s)`;
  });
  await run('deleteToken', async () => {
    const had = await ignoreNotFound(client.delete('secrets', 'kube-system', `skiff-node-${nodeName}`));
    return had ? `deleted Secret kube-system/skiff-node-${nodeName}` : 'no token to delete';
  });
}

/** Undoes a first provisioning that failed after the agent step: no half-registered node is left. */
export async function undoFirstProvisioning(a: { client: Client; nodeName: string; session: HostSession | undefined }): Promise<void> {
  if (a.session?.isOpen) {
    await a.session.exec(stopAgentScript(agentPaths(a.nodeName)));
    await a.session.exec(cleanupNetworkScript(agentPaths(a.nodeName)), { timeoutMs: 120_000 });
  }
  await ignoreNotFound(a.client.delete('nodes', undefined, a.nodeName));
}
