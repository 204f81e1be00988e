import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '../client/HttpClient.js';
import type { Client } from '../client/types.js';
import { EventRecorder } from '../client/events.js';
import { systemClock, type Clock } from '../util/clock.js';
import { consoleLogger, type Logger } from '../util/logger.js';
import { memoryDirOf, parseAgentConfig, type AgentConfig } from './config.js';
import { primaryIPv4 } from './kubelet/hostAddress.js';
import { Kubelet, type KubeletOptions } from './kubelet/Kubelet.js';
import { NodeStatusManager } from './kubelet/nodeStatus.js';
import { startKubeletServer } from './kubelet/server.js';
import { StatsCollector } from './kubelet/stats.js';
import type { Recorder } from './kubelet/types.js';
import type { Prober } from './kubelet/probes/prober.js';
import { DockerRuntime } from './runtime/docker.js';
import type { Runtime } from './runtime/types.js';
import { startClusterDns } from './dns/compose.js';
import { startNodeNetwork } from './net/compose.js';
import { cleanupNodeNetwork } from './net/cleanup.js';
import { runHostNetCli } from './hostnet/cli.js';

export type { AgentConfig } from './config.js';

/** Parts to inject (tests, or the desktop running its local node in-process). */
export interface AgentDeps {
  client?: Client;
  runtime?: Runtime;
  clock?: Clock;
  log?: Logger;
  recorder?: Recorder;
  kubelet?: KubeletOptions;
  /** Heartbeat interval (default 10 s). */
  heartbeatMs?: number;
  /** Runs probes and hooks (tests). */
  prober?: Prober;
  /**
   * Run the node's network (pod network, routes, service proxy; net/compose.ts). Default: on,
   * unless a runtime is injected (unit tests on the fake runtime); off, pods use the engine's
   * default bridge (tests of the kubelet alone).
   */
  network?: boolean;
}

export interface AgentHandle {
  readonly nodeName: string;
  /** The port the kubelet API listens on (useful with `kubeletPort: 0`). */
  readonly kubeletPort: number;
  readonly kubelet: Kubelet;
  /** Stops watching, syncing and serving. Containers keep running: a later agent adopts them. */
  dispose(): Promise<void>;
}

/**
 * Starts the node agent: registers the Node and heartbeats, runs the pod sync loop against the
 * container engine, and serves the kubelet API. If the API server or the engine is not reachable
 * yet, registration is retried in the background (the informer retries on its own), so an agent
 * started before its tunnel is up simply catches up.
 */
export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<AgentHandle> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? consoleLogger({ component: 'agent', node: config.nodeName });
  const ownClient = deps.client ? undefined : new HttpClient({ server: config.server, token: config.token, ca: config.ca, userAgent: `skiff-agent/0.1.0 (node ${config.nodeName})` });
  const client: Client = deps.client ?? (ownClient as HttpClient);
  const runtime = deps.runtime ?? new DockerRuntime({ socketPath: config.dockerSocket, clock, log });
  const nodeIP = config.nodeIP ?? primaryIPv4();
  const recorder = deps.recorder ?? new EventRecorder({ client, clock, log, component: 'kubelet', host: config.nodeName });
  const disposers: (() => void | Promise<void>)[] = [];
  if (ownClient) disposers.push(() => ownClient.close());

  const dispose = async () => {
    for (const d of disposers.splice(0).reverse()) {
      try {
        await d();
      } catch (e) {
        log.warn('error while stopping the agent', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  };

  try {
    const network = (deps.network ?? !deps.runtime) ? startNodeNetwork({ config, client, runtime, clock, log, nodeIP }) : undefined;
    if (network) disposers.push(() => network.stop());
    const dns = network ? startClusterDns({ config, client, network, clock, log }) : undefined;
    if (dns) disposers.push(() => dns.dns.stop());
    const netDeps = network ? { podNetwork: network, serviceEnv: (p: Parameters<typeof network.envFor>[0]) => network.envFor(p), ...(dns ? { podDns: dns.podDns } : {}) } : {};
    const kubelet = new Kubelet(
      { client, runtime, clock, log, recorder, nodeName: config.nodeName, nodeIP, dataDir: config.dataDir, memoryDir: memoryDirOf(config), ...(deps.prober ? { prober: deps.prober } : {}), ...netDeps },
      deps.kubelet,
    );
    const stats = new StatsCollector({ runtime, clock, log, nodeName: config.nodeName });
    const server = await startKubeletServer({ port: config.kubeletPort, token: config.token, pods: kubelet.pods, runtime, clock, log, stats });
    disposers.push(() => server.close());
    // The Node advertises the port actually bound (it differs from the config's when that is 0).
    const nodeStatus = new NodeStatusManager({ client, runtime, clock, log, nodeName: config.nodeName, nodeIP, kubeletPort: server.port, ...(deps.heartbeatMs ? { heartbeatMs: deps.heartbeatMs } : {}) });
    const registered = registerWithRetry(nodeStatus, clock, log);
    disposers.push(registered.dispose);
    kubelet.start();
    disposers.push(() => kubelet.stop());
    log.info('agent started', { node: config.nodeName, nodeIP, kubeletPort: server.port });
    return { nodeName: config.nodeName, kubeletPort: server.port, kubelet, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** Registers, then heartbeats; until registration succeeds, retries every 250 ms doubling up to 2 s. */
function registerWithRetry(node: NodeStatusManager, clock: Clock, log: Logger): { dispose(): void } {
  let stopped = false;
  let cancel: (() => void) | undefined;
  let failures = 0;
  const attempt = async () => {
    try {
      await node.register();
      if (stopped) return;
      node.start();
    } catch (e) {
      if (stopped) return;
      failures++;
      // Short retries: the API is often just a tunnel away from coming back (a control-plane restart).
      const delay = Math.min(2_000, 250 * 2 ** Math.min(failures - 1, 5));
      if (failures === 1 || failures % 30 === 0) log.warn('cannot register node yet; retrying', { delay, attempt: failures, error: e instanceof Error ? e.message : String(e) });
      cancel = clock.setTimeout(() => void attempt(), delay);
    }
  };
  void attempt();
  return {
    dispose() {
      stopped = true;
      cancel?.();
      node.stop();
    },
  };
}

/**
 * `node skiff-agent.js --config <file.json>`: runs until SIGTERM/SIGINT, leaving containers running.
 * `hostnet ...`: the host component's program (its privileged container runs it).
 * `cleanup-network --config <file.json>`: removes the node's rules, routes and pod networks (host removal).
 */
export async function runCli(argv: string[]): Promise<void> {
  if (argv[0] === 'hostnet') return runHostNetCli(argv.slice(1));
  if (argv[0] === 'cleanup-network') {
    const config = readConfig(argv);
    const log = consoleLogger({ component: 'cleanup', node: config.nodeName });
    const summary = await cleanupNodeNetwork({ nodeName: config.nodeName, dataDir: config.dataDir, dockerSocket: config.dockerSocket, mode: config.hostNetwork ?? 'auto', bundlePath: config.bundlePath ?? process.argv[1] ?? '', clock: systemClock, log });
    process.stdout.write(`${summary}\n`);
    process.exit(0);
  }
  const config = readConfig(argv);
  const log = consoleLogger({ component: 'agent', node: config.nodeName });
  mkdirSync(config.dataDir, { recursive: true });
  const agent = await startAgent({ ...config, bundlePath: config.bundlePath ?? process.argv[1] ?? '' }, { log });

  // Written only once the agent runs (and holds its port), so a duplicate never clobbers it.
  const pidFile = join(config.dataDir, 'skiff-agent.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping; containers keep running', { signal });
    void agent.dispose().finally(() => {
      rmSync(pidFile, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (e) => log.error('unhandled rejection', { error: e instanceof Error ? e.message : String(e) }));
}

function readConfig(argv: string[]): AgentConfig {
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (!file) throw new Error('usage: skiff-agent [cleanup-network] --config <file.json> | skiff-agent hostnet --socket PATH --owner-uid UID --node NAME');
  return parseAgentConfig(JSON.parse(readFileSync(file, 'utf8')) as unknown);
}

/** True when this module is the program (the bundle `skiff-agent.js`, or `tsx agent/main.ts`), not imported. */
function isDirectRun(): boolean {
  const entry = process.argv[1] ?? '';
  return /(^|[\\/])skiff-agent\.[cm]?js$/.test(entry) || /[\\/]agent[\\/]main\.[cm]?[jt]s$/.test(entry);
}

if (isDirectRun()) {
  runCli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`skiff-agent: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
