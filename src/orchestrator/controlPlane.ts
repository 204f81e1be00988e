import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { clusterNetworkConfigMap, DEFAULT_CLUSTER_NETWORK, firstServiceIP, validateClusterNetwork, type ClusterNetwork } from './api/clusterNetwork.js';
import { isAlreadyExists, isNotFound } from './api/errors.js';
import { serviceStrategy } from './apiserver/strategies/services.js';
import { startAgent } from './agent/main.js';
import { ApiServer } from './apiserver/ApiServer.js';
import { issueNodeToken, TokenAuthenticator } from './apiserver/auth.js';
import { Authorization } from './apiserver/authz/index.js';
import { reconcileBootstrapPolicy } from './apiserver/authz/reconcile.js';
import { createApiHandler, type Handler } from './apiserver/handler.js';
import { writeKubeconfig } from './apiserver/kubeconfig.js';
import { HostShells } from './client/hostShells.js';
import { NodeDialers } from './client/nodeDialer.js';
import { MetricsStore } from './apiserver/metrics/metricsStore.js';
import { defaultIngressClass } from './api/ingress.js';
import { SYSTEM_PRIORITY_CLASSES } from './apiserver/strategies/priorityClasses.js';
import { defaultLocalPathClass } from './api/storage.js';
import { startMetricsScraper } from './apiserver/metrics/scraper.js';
import { ensurePki } from './apiserver/pki.js';
import { Registry } from './apiserver/registry.js';
import type { WatchCacheOptions } from './apiserver/cacher/index.js';
import { FlowControl, type FlowControlOptions } from './apiserver/flowcontrol/FlowControl.js';
import { LocalClient } from './client/LocalClient.js';
import { startMemoryReducer } from './util/memoryReducer.js';
import { startControllers, type ControllerOptions } from './controllers/manager.js';
import { startHostController } from './provision/index.js';
import { openDatastore, type Datastore } from './store/datastore.js';
import type { KeyProvider } from './store/keys.js';
import type { MaintenancePolicy } from './store/maintenance.js';
import { systemClock, type Clock } from './util/clock.js';
import { consoleLogger, type Logger } from './util/logger.js';

export interface ControlPlaneOptions {
  /** Data directory (SKIFF_HOME): state.db, pki/, admin.token, kubeconfig. */
  home: string;
  /** API port (SKIFF_API_PORT, default 6443; 0 picks a free port). */
  apiPort: number;
  /** Address the API listens on (SKIFF_API_HOST, default 127.0.0.1). */
  apiHost?: string;
  /** Run an agent for this machine when a Docker engine is reachable (SKIFF_LOCAL_NODE: auto|on|off). */
  localNode?: 'auto' | 'on' | 'off';
  /** The local node's name (default: this machine's host name, lowercased). */
  localNodeName?: string;
  /** The kubelet API port of the local node's agent (SKIFF_KUBELET_PORT, default 10250). */
  kubeletPort?: number;
  dockerSocket?: string;
  /** Path of the bundled agent pushed to hosts (dist/agent/skiff-agent.js). */
  agentBundlePath: string;
  controllers?: ControllerOptions;
  /** Where the key for encryption at rest lives (default: `$home/pki/encryption.json`, mode 0600). */
  keyProvider?: KeyProvider;
  /** Resources encrypted at rest (SKIFF_ENCRYPT_RESOURCES, default `secrets`). */
  encryptResources?: string[];
  /** Events expire this long after their last write (SKIFF_EVENT_TTL_SECONDS, default 1 h). */
  eventTtlMs?: number;
  /** The datastore's housekeeping (tests shorten its interval). */
  datastoreMaintenance?: Partial<MaintenancePolicy>;
  /** The API server's watch cache (on by default; `{ enabled: false }` reads the store for every list and watch). */
  watchCache?: WatchCacheOptions;
  /** API priority and fairness for clients and the in-process controllers (on by default). */
  flowControl?: FlowControlOptions & { enabled?: boolean };
  /**
   * Pod and service ranges and the pod network backend (SKIFF_CLUSTER_CIDR, SKIFF_SERVICE_CIDR,
   * SKIFF_POD_NETWORK_BACKEND); defaults 10.42.0.0/16, 10.96.0.0/12, auto. Overlapping or malformed
   * ranges stop the start with an error naming the setting.
   */
  network?: Partial<ClusterNetwork>;
  /** Where the local node's cluster DNS forwards other names (`ip[:port]`); default the host's resolvers. */
  dnsUpstreams?: string[];
  /** How often node and pod usage is scraped from every node's agent (SKIFF_METRICS_RESOLUTION_MS, default 15 s). */
  metricsResolutionMs?: number;
  clock?: Clock;
  log?: Logger;
}

export interface ControlPlane {
  apiUrl: string;
  apiPort: number;
  kubeconfigPath: string;
  caPem: string;
  /** The API handler, for the UI server to call in-process with the UI's identity. */
  handler: Handler;
  client: LocalClient;
  /** The local node's name when its agent runs, else undefined (with `localNodeMessage` saying why). */
  localNode?: string;
  localNodeMessage: string;
  /** The datastore: its figures, and key rotation for encryption at rest. */
  datastore: Pick<Datastore, 'stats' | 'rotateEncryptionKey'>;
  dispose(): Promise<void>;
}

/**
 * The cluster's control plane as one object: datastore, API server, controllers and scheduler, host
 * provisioner and (where Docker is reachable) the local node's agent. Started in this order and
 * disposed in reverse. Electron main and the headless `serve` both call only this.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? consoleLogger({ component: 'control-plane' });
  const disposers: (() => Promise<void> | void)[] = [];
  /** Set as disposing begins: `/readyz` fails from then on (its `shutdown` check). */
  let stopping = false;
  const dispose = async () => {
    stopping = true;
    for (const d of disposers.reverse()) {
      try {
        await d();
      } catch (e) {
        log.warn('dispose failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  try {
    const network = validateClusterNetwork({ ...DEFAULT_CLUSTER_NETWORK, ...opts.network });
    mkdirSync(opts.home, { recursive: true, mode: 0o700 });
    const datastore = await openDatastore({
      home: opts.home,
      clock,
      log: log.child({ component: 'datastore' }),
      keyProvider: opts.keyProvider,
      encryptResources: opts.encryptResources,
      eventTtlMs: opts.eventTtlMs,
      maintenance: opts.datastoreMaintenance,
      keepModesUnder: ['agent'],
    });
    disposers.push(() => datastore.close());
    // A finished load's garbage is collected once the process is quiet (util/memoryReducer.ts).
    const memory = startMemoryReducer({ log: log.child({ component: 'memory' }) });
    disposers.push(() => memory.dispose());
    const store = datastore.store;
    const registry = new Registry(store, clock, { watchCache: opts.watchCache });
    registry.strategies.register('services', serviceStrategy(store, clock, network.serviceCIDR));
    disposers.push(() => registry.dispose());
    const flowControl = opts.flowControl?.enabled === false ? undefined : new FlowControl({ clock, ...opts.flowControl });
    const client = new LocalClient(registry, flowControl);
    await bootstrap(client, network);
    // Node, RBAC: the authorizer chain, the RBAC kinds' escalation checks, and the default policy.
    const authz = await Authorization.create(registry.objects);
    disposers.push(() => authz.dispose());
    registry.strategies.useAuthorization(authz);
    await reconcileBootstrapPolicy(registry, log.child({ component: 'rbac' }));

    const host = opts.apiHost ?? '127.0.0.1';
    // Pods reach the API as https://kubernetes.default.svc (10.96.0.1), relayed unchanged: the certificate names it.
    const pki = ensurePki(join(opts.home, 'pki'), {
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', hostname()],
      ips: ['127.0.0.1', firstServiceIP(network.serviceCIDR), ...(host !== '127.0.0.1' && host !== '0.0.0.0' ? [host] : [])],
    });
    const adminToken = readOrCreateToken(join(opts.home, 'admin.token'));
    const authenticator = await TokenAuthenticator.create(adminToken, store, clock);
    disposers.push(() => authenticator.dispose());
    const dialers = new NodeDialers();
    const hostShells = new HostShells();

    const metrics = new MetricsStore();
    const handler = createApiHandler({ registry, clock, log: log.child({ component: 'apiserver' }), dialer: dialers, hostShells, authenticator, authz, metrics, serverAddress: `${host}:${opts.apiPort}`, flowControl, shuttingDown: () => stopping });
    const server = new ApiServer(pki, handler);
    const apiPort = await server.listen(opts.apiPort, host);
    disposers.push(() => server.close());
    const apiUrl = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(opts.home, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, apiUrl, pki.caCert, adminToken);
    log.info('API server ready', { url: apiUrl, kubeconfig: kubeconfigPath });

    const scraper = startMetricsScraper({ registry, dialer: dialers, store: metrics, clock, log: log.child({ component: 'metrics' }), ...(opts.metricsResolutionMs ? { periodMs: opts.metricsResolutionMs } : {}) });
    disposers.push(() => scraper.dispose());

    const controllers = startControllers({ client, clock, log: log.child({ component: 'controllers' }), options: { rootCA: { caPem: pki.caCert }, ...opts.controllers, network, podAutoscaler: { ...opts.controllers?.podAutoscaler, metrics } } });
    disposers.push(() => controllers.dispose());

    const hosts = startHostController({
      client,
      clock,
      log: log.child({ component: 'provision' }),
      dialers,
      shells: hostShells,
      agentBundlePath: opts.agentBundlePath,
      apiPort,
      caPem: pki.caCert,
      issueNodeToken: (node: string) => issueNodeToken(client, node),
    });
    disposers.push(() => hosts.dispose());

    let localNode: string | undefined;
    let localNodeMessage: string;
    const dockerSocket = opts.dockerSocket ?? '/var/run/docker.sock';
    const wantLocal = opts.localNode ?? 'auto';
    const dockerOk = wantLocal !== 'off' && (await dockerReachable(dockerSocket));
    if (wantLocal === 'off') {
      localNodeMessage = 'The local machine is not a node (SKIFF_LOCAL_NODE=off). Add a host over SSH to run pods.';
    } else if (!dockerOk) {
      localNodeMessage = `No Docker engine is reachable at ${dockerSocket}, so this machine is not a node. Start Docker and restart Skiff, or add a host over SSH.`;
      if (wantLocal === 'on') throw new Error(localNodeMessage);
      log.warn(localNodeMessage);
    } else {
      localNode = opts.localNodeName ?? hostname().toLowerCase();
      const kubeletPort = opts.kubeletPort ?? 10250;
      const token = await issueNodeToken(client, localNode);
      const agent = await startAgent({
        server: apiUrl,
        token,
        ca: pki.caCert,
        nodeName: localNode,
        kubeletPort,
        dataDir: join(opts.home, 'agent'),
        dockerSocket,
        // As root (tests, a server), the host component runs in this process; else as its container, running the bundle.
        hostNetwork: 'auto',
        bundlePath: opts.agentBundlePath,
        ...(opts.dnsUpstreams ? { dnsUpstreams: opts.dnsUpstreams } : {}),
      }, { clock, log: log.child({ component: 'agent', node: localNode }) });
      disposers.push(() => agent.dispose());
      const route = dialers.register(localNode, { dial: (_n, port) => dialLocal(port) });
      disposers.push(() => route.dispose());
      localNodeMessage = `This machine runs as node ${localNode}.`;
      log.info(localNodeMessage);
    }

    return { apiUrl, apiPort, kubeconfigPath, caPem: pki.caCert, handler, client, localNode, localNodeMessage, datastore, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** The namespaces every cluster has, and the network settings every node reads. */
async function bootstrap(client: LocalClient, network: ClusterNetwork): Promise<void> {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    try {
      await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    try {
      await client.create('priorityclasses', structuredClone(pc));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  try {
    // Created once: a user may edit or delete it (and mark another class default) and it stays so.
    if (!(await client.list('storageclasses')).items.length) await client.create('storageclasses', defaultLocalPathClass());
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  // The built-in ingress controller's class, created once: an administrator may edit or remove its default annotation.
  try {
    await client.create('ingressclasses', defaultIngressClass());
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const cm = clusterNetworkConfigMap(network);
  try {
    const have = await client.get<typeof cm>('configmaps', cm.metadata.namespace, cm.metadata.name ?? '');
    if (JSON.stringify(have.data) !== JSON.stringify(cm.data)) await client.update('configmaps', { ...have, data: cm.data });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create('configmaps', cm);
  }
}

function readOrCreateToken(path: string): string {
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (t) return t;
  }
  const t = randomBytes(32).toString('base64url');
  writeFileSync(path, t + '\n', { mode: 0o600 });
  return t;
}

/** True when a Docker engine answers `/_ping` on the socket within 2 s. */
export function dockerReachable(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function dialLocal(port: number): Promise<import('node:stream').Duplex> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
