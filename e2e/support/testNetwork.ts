import Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterNetwork } from '../../src/orchestrator/api/clusterNetwork.js';
import { cleanupNodeNetwork } from '../../src/orchestrator/agent/net/cleanup.js';
import { overlaps, parseCidr } from '../../src/orchestrator/util/cidr.js';
import { systemClock } from '../../src/orchestrator/util/clock.js';
import { silentLogger } from '../../src/orchestrator/util/logger.js';

/**
 * Pod and service ranges no other test on this machine is using. The compat and integration suites
 * start many control planes, each with a local node on the machine's one Docker engine and in its
 * one network namespace, sometimes in several processes at once (several checkouts' suites): Docker
 * refuses overlapping bridge subnets, and two clusters' service rules for the same cluster IP would
 * shadow each other. Each control plane leases slot k (0..63) for as long as its process lives:
 * `flock` on /run/skiff-test-net/k holds the lease (no stale lease after a crash), and slot k means
 * cluster CIDR 10.(128+k).0.0/16 and service CIDR 10.(192+k).0.0/16, away from the defaults
 * (10.42/16, 10.96/12), the lab (10.77.0.0/24) and Docker's pools (172.17+).
 */
export interface TestNetworkLease {
  network: ClusterNetwork;
  slot: number;
  release(): void;
}

const DIR = '/run/skiff-test-net';
const SLOTS = 64;

function tryLock(path: string): Promise<ChildProcess | undefined> {
  return new Promise((resolve) => {
    const child = spawn('flock', ['-n', '-x', path, '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) resolve(child);
    });
    child.on('error', () => resolve(undefined));
    child.on('exit', () => resolve(undefined));
  });
}

export async function leaseTestNetwork(): Promise<TestNetworkLease> {
  mkdirSync(DIR, { recursive: true });
  const start = Math.floor(Math.random() * SLOTS);
  for (let i = 0; i < SLOTS; i++) {
    const slot = (start + i) % SLOTS;
    const child = await tryLock(join(DIR, String(slot)));
    if (!child) continue;
    // The lease must not keep the test process alive on its own.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    // Ingress ports of its own too: test clusters on this machine share its ports 80/443.
    const network: ClusterNetwork = { clusterCIDR: `10.${128 + slot}.0.0/16`, serviceCIDR: `10.${192 + slot}.0.0/16`, nodeMaskSize: 24, backend: 'auto', ingressHttpPort: 20000 + slot * 2, ingressHttpsPort: 20001 + slot * 2 };
    await sweepTestNetwork(network);
    return {
      slot,
      network,
      release() {
        child.stdin?.end();
        child.kill();
      },
    };
  }
  throw new Error(`all ${SLOTS} test network slots in ${DIR} are leased by running tests`);
}

/**
 * Removes what a crashed earlier holder of the same slot left: Docker pod networks inside the
 * slot's cluster CIDR, the containers of their nodes, and those nodes' rules and routes.
 */
export async function sweepTestNetwork(network: ClusterNetwork, dockerSocket = '/var/run/docker.sock'): Promise<string[]> {
  const docker = new Docker({ socketPath: dockerSocket });
  const cluster = parseCidr(network.clusterCIDR);
  const nodes = new Set<string>();
  for (const n of await docker.listNetworks({ filters: { label: ['io.skiff.managed=true'] } })) {
    const subnet = (n.IPAM?.Config?.[0] as { Subnet?: string } | undefined)?.Subnet;
    const node = n.Labels?.['io.skiff.node'];
    if (subnet && node && !subnet.includes(':') && overlaps(parseCidr(subnet), cluster)) nodes.add(node);
  }
  for (const node of nodes) await cleanupLocalNode(node, dockerSocket);
  return [...nodes];
}

/** A test's local node, gone: its containers (only its own), then its network on this machine. */
export async function cleanupLocalNode(nodeName: string, dockerSocket = '/var/run/docker.sock'): Promise<string> {
  const docker = new Docker({ socketPath: dockerSocket });
  const ids = await docker.listContainers({ all: true, filters: { label: ['io.skiff.managed=true', `io.skiff.node=${nodeName}`] } });
  await Promise.all(ids.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return cleanupNodeNetwork({ nodeName, dataDir: tmpdir(), dockerSocket, mode: 'auto', bundlePath: resolve('dist/agent/skiff-agent.js'), clock: systemClock, log: silentLogger });
}
