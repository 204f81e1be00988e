import { API_RELAY_PORT, CLUSTER_NETWORK_CONFIGMAP, DEFAULT_WIREGUARD_PORT, WIREGUARD_PUBLIC_KEY_ANNOTATION, clusterNetworkFromConfigMap, type ClusterNetwork } from '../../api/clusterNetwork.js';
import type { Condition, DiscoveryEndpointSlice, KubeObject, Node, Service } from '../../api/types.js';
import { Informer } from '../../client/Informer.js';
import { runLoop, type ControllerLoop } from '../../client/runner.js';
import type { Client } from '../../client/types.js';
import { isoTime, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { OpenedHostNet } from '../hostnet/open.js';
import { vxlanVni } from '../hostnet/names.js';
import { VXLAN_PORT, WIREGUARD_OVERHEAD, type ApplyResult, type HostNetDesired, type Peer } from '../hostnet/types.js';
import { isWireGuardKey } from '../hostnet/wgKeys.js';
import type { Recorder } from '../kubelet/types.js';
import { buildProxyRules } from '../proxy/rules.js';
import { ApiRelay } from './apiRelay.js';
import { PodNetworkConflict, interfaceMtu, type PodNetwork } from './podNetwork.js';
import type { RuleSource } from './ruleSource.js';
import { serviceEnv } from './serviceEnv.js';
import type { WireGuardKey } from './wireguardKey.js';

const SYNC = 'sync';
/** How long a pod's sandbox waits for the node's pod network before its creation fails (and is retried). */
const GATE_WAIT_MS = 60_000;

/**
 * What the kubelet asks of the pod network: the Docker network a new sandbox joins (waiting while
 * the network is being set up), and whether a running sandbox is on it.
 */
export interface PodNetworkGate {
  /** Resolves with the network's name once the node's pod network is up; rejects with the reason after a while. */
  network(): Promise<string>;
  /** True when a sandbox created with `networkMode` is on the current pod network. */
  current(networkMode: string): boolean;
}

export interface NodeNetworkDeps {
  client: Client;
  clock: Clock;
  log: Logger;
  /** Events about Services (a node port another program holds) and the Node (routes, conflicts). */
  recorder: Recorder;
  nodeName: string;
  nodeIP: string;
  podNetwork: Pick<PodNetwork, 'ensure' | 'removeStale'>;
  /** Opens the host component (in-process, or its container); retried until it works. */
  openHostNet(): Promise<OpenedHostNet>;
  /** Where the `kubernetes` Service's relay sends its connections: the API as this agent reaches it. */
  apiTarget: { host: string; port: number };
  /** Re-apply everything this often even without changes (default 30 s): rules someone flushed come back. */
  resyncMs?: number;
  /** More rules applied with the proxy's, ahead of them (NetworkPolicy: `netpol/enforcer.ts`). */
  ruleSources?: RuleSource[];
  /**
   * The node's WireGuard key pair (`wireguardKey.ts`: made on the node, kept in its data dir),
   * asked for while the backend is `wireguard` or `auto` (for peers beyond trusted networks); its
   * public half goes on the Node as `skiff.io/wireguard-public-key`.
   */
  wireguardKey?: () => WireGuardKey;
}

/**
 * The network half of a node (flannel + kube-proxy in one loop): watches Services, EndpointSlices,
 * Nodes and the cluster's network settings, and keeps the host matching them: the node's Docker
 * pod network (its pod CIDR), routes to every other node's pods, the service proxy's rules, the
 * node ports it holds, and the `kubernetes` Service's relay. Every change funnels into one
 * `sync` (coalesced by the work queue), which computes the whole desired state and hands it to the
 * host component, so the host is level-triggered like every controller. The Node's
 * `NetworkUnavailable` condition says whether it worked, and why not.
 */
export class NodeNetwork implements PodNetworkGate {
  readonly services: Informer<Service>;
  readonly slices: Informer<DiscoveryEndpointSlice>;
  readonly nodes: Informer<Node>;
  private readonly config: Informer<KubeObject>;
  private readonly loop: ControllerLoop;
  private readonly relay: ApiRelay;
  private readonly log: Logger;
  /** The cluster's network settings as last read from `kube-system/skiff-network` (cluster DNS and the kubelet read them). */
  settings?: ClusterNetwork;
  private hostnet?: OpenedHostNet;
  private networkName?: string;
  private notReady = 'the node has not synced its network yet';
  private waiters: (() => void)[] = [];
  private cancelResync?: () => void;
  private lastCondition?: string;
  private readonly reported = new Map<string, string>();
  private stopped = false;
  /** The next sync checks everything (the first, each resync, after a failure); others trust what the last one ensured. */
  private fullPass = true;
  private ensured?: { key: string; net: { name: string; bridge: string; gateway: string } };
  private readonly stopHooks: (() => unknown)[] = [];

  constructor(private readonly d: NodeNetworkDeps) {
    this.log = d.log.child({ component: 'network' });
    this.services = new Informer<Service>(d.client, 'services', d.clock, this.log);
    this.slices = new Informer<DiscoveryEndpointSlice>(d.client, 'endpointslices', d.clock, this.log);
    this.nodes = new Informer<Node>(d.client, 'nodes', d.clock, this.log);
    this.config = new Informer<KubeObject>(d.client, 'configmaps', d.clock, this.log, { namespace: CLUSTER_NETWORK_CONFIGMAP.namespace, fieldSelector: `metadata.name=${CLUSTER_NETWORK_CONFIGMAP.name}` });
    this.relay = new ApiRelay(d.apiTarget, this.log);
    this.loop = runLoop('network', () => this.sync(), { clock: d.clock, log: this.log, workers: 1, maxBackoffMs: 30_000, initialBackoffMs: 1_000 });
  }

  start(): void {
    const kick = () => this.loop.enqueue(SYNC);
    for (const inf of [this.services, this.slices, this.config] as Informer<KubeObject>[]) inf.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
    // Nodes change every heartbeat: only what routing and ServiceLB depend on counts.
    this.nodes.addHandlers({ onAdd: kick, onDelete: kick, onUpdate: (o, n) => void (nodeFacts(o) !== nodeFacts(n) && kick()) });
    for (const inf of [this.services, this.slices, this.nodes, this.config] as Informer<KubeObject>[]) inf.start();
    for (const s of this.d.ruleSources ?? []) s.start(kick);
    this.cancelResync = this.d.clock.setInterval(() => {
      this.fullPass = true;
      kick();
    }, this.d.resyncMs ?? 30_000);
  }

  /** Runs `f` when the network stops (the parts that sit beside it on its informers: the ingress controller). */
  onStop(f: () => unknown): void {
    this.stopHooks.push(f);
  }

  stop(): void {
    this.stopped = true;
    for (const f of this.stopHooks.splice(0)) void f();
    this.cancelResync?.();
    this.loop.stop();
    for (const inf of [this.services, this.slices, this.nodes, this.config] as Informer<KubeObject>[]) inf.stop();
    for (const s of this.d.ruleSources ?? []) s.stop();
    this.relay.close();
    this.hostnet?.close();
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when no sync is queued or running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** The env a pod's containers get for the Services they may use. */
  envFor(pod: Parameters<typeof serviceEnv>[0]): string[] {
    return serviceEnv(pod, this.services.list());
  }

  async network(): Promise<string> {
    if (this.networkName) return this.networkName;
    await new Promise<void>((resolve) => {
      const cancel = this.d.clock.setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, GATE_WAIT_MS);
      const done = () => {
        cancel();
        resolve();
      };
      this.waiters.push(done);
    });
    if (this.networkName) return this.networkName;
    throw new Error(`the pod network of node ${this.d.nodeName} is not ready: ${this.notReady}`);
  }

  current(networkMode: string): boolean {
    return !this.networkName || networkMode === this.networkName;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    const full = this.fullPass;
    this.fullPass = false;
    try {
      await this.syncOnce(full);
    } catch (e) {
      this.fullPass = true;
      throw e;
    }
  }

  /**
   * One pass: pod network, Service rules and routes made to match the informers. A pass that is
   * not `full` (an endpoint or Service changed) does not ask the Docker engine again about the pod
   * network it already ensured, so a changed endpoint costs one call to the host component.
   */
  private async syncOnce(full: boolean): Promise<void> {
    const started = this.d.clock.now();
    await Promise.all([...[this.services, this.slices, this.nodes, this.config].map((i) => i.waitForSync()), ...(this.d.ruleSources ?? []).map((s) => s.waitForSync())]);
    const cm = this.config.list()[0];
    let cluster: ClusterNetwork;
    try {
      if (!cm) throw new Error(`ConfigMap ${CLUSTER_NETWORK_CONFIGMAP.namespace}/${CLUSTER_NETWORK_CONFIGMAP.name} is missing (the control plane writes it when it starts)`);
      cluster = clusterNetworkFromConfigMap(cm);
      this.settings = cluster;
    } catch (e) {
      await this.unavailable('NetworkSettingsInvalid', message(e));
      return;
    }
    const self = this.nodes.getByName(undefined, this.d.nodeName);
    const podCIDR = self?.spec?.podCIDR;
    const hostMtu = interfaceMtu(this.d.nodeIP);
    // auto may send some peers through WireGuard, so its pods leave room for that header.
    const mtu = cluster.backend === 'host-gw' ? hostMtu : cluster.backend === 'vxlan' ? hostMtu - 50 : hostMtu - WIREGUARD_OVERHEAD;
    let wireguard: HostNetDesired['wireguard'];
    if (cluster.backend === 'wireguard' || cluster.backend === 'auto') {
      try {
        if (!this.d.wireguardKey) throw new Error('this agent was started without a place for its WireGuard key');
        const key = this.d.wireguardKey();
        await this.publishPublicKey(self, key.publicKey);
        wireguard = { port: cluster.wireguardPort ?? DEFAULT_WIREGUARD_PORT, privateKey: key.privateKey, mtu: hostMtu - WIREGUARD_OVERHEAD };
      } catch (e) {
        // auto: only the peers beyond the trusted networks need the key; they are reported unrouted.
        if (cluster.backend === 'auto') this.log.warn('no WireGuard key: peers beyond the trusted networks get no route', { error: message(e) });
        else {
          await this.unavailable('WireGuardKeyUnavailable', `the node's WireGuard key: ${message(e)}`);
          throw e;
        }
      }
    }
    let net: { name: string; bridge: string; gateway: string } | undefined;
    if (podCIDR) {
      try {
        const key = `${podCIDR}/${mtu}`;
        if (full || this.ensured?.key !== key) this.ensured = { key, net: await this.d.podNetwork.ensure(podCIDR, mtu) };
        net = this.ensured.net;
      } catch (e) {
        await this.unavailable('PodNetworkConflict', message(e));
        if (e instanceof PodNetworkConflict) return;
        throw e;
      }
    }
    let opened: OpenedHostNet;
    try {
      opened = await this.hostComponent();
    } catch (e) {
      await this.unavailable('HostComponentUnavailable', `the host component cannot run: ${message(e)}`);
      throw e;
    }
    const hostnet = opened.hostnet;
    const services = this.services.list();
    const slices = this.slices.list();
    // Every address ServiceLB may have named for this node (nodeAddresses.ts takes them from the Node).
    const addresses = [...new Set([this.d.nodeIP, ...(self?.status?.addresses ?? []).map((a) => a.address)])];
    const proxyNode = { name: this.d.nodeName, clusterCIDR: cluster.clusterCIDR, addresses, ...(podCIDR ? { podCIDR } : {}) };
    let built = buildProxyRules({ node: proxyNode, services, slices });
    const ports = await hostnet.holdPorts(this.d.nodeName, built.ports);
    if (ports.busy.length) built = buildProxyRules({ node: proxyNode, services, slices, busyPorts: new Set(ports.busy.map((p) => `${p.port}/${p.protocol}`)) });
    this.reportBusyPorts(ports.busy, services);
    for (const w of built.warnings) {
      const [ns, name] = w.service.split('/');
      const svc = services.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
      if (svc) this.report(svc, `unsupported:${w.service}:${w.message}`, 'Warning', 'NotSupported', w.message);
    }
    const desired: HostNetDesired = {
      node: this.d.nodeName,
      clusterCIDR: cluster.clusterCIDR,
      nodeIP: this.d.nodeIP,
      backend: cluster.backend,
      ...(cluster.trustedNetworks ? { trustedNetworks: cluster.trustedNetworks } : {}),
      vxlan: { vni: vxlanVni(cluster.clusterCIDR), port: VXLAN_PORT, mtu: hostMtu - 50 },
      peers: this.peers(),
      rules: [...(this.d.ruleSources ?? []).flatMap((s) => s.rules()), ...built.rules],
      ...(podCIDR ? { podCIDR } : {}),
      ...(net ? { podBridge: net.bridge } : {}),
      ...(wireguard ? { wireguard } : {}),
    };
    let result: ApplyResult;
    const applying = this.d.clock.now();
    try {
      result = await hostnet.apply(desired);
    } catch (e) {
      if (cluster.backend === 'wireguard' && /WireGuard|wireguard|\bwg\b/.test(message(e))) await this.unavailable('WireGuardUnavailable', message(e));
      throw e;
    }
    this.log.debug('network rules applied', { full, prepareMs: applying - started, applyMs: this.d.clock.now() - applying, ...result.phaseMs });
    this.reportRoutes(self, result.routes);
    if (self && result.wireguard) {
      const w = result.wireguard;
      this.report(self, 'wireguard', 'Normal', 'WireGuardDevice', `pod traffic to other nodes is encrypted by WireGuard device ${w.device} (${implementationText(w.implementation)}), UDP port ${w.port}`);
    } else this.reported.delete('wireguard');
    for (const w of result.warnings) this.log.warn(w);
    this.reportHost(self, result.warnings);
    if (!net) {
      await this.unavailable('NoPodCIDR', 'waiting for the control plane to assign this node a pod CIDR');
      return;
    }
    try {
      await this.relay.listen(net.gateway, API_RELAY_PORT);
    } catch (e) {
      if (self) this.report(self, 'relay', 'Warning', 'APIRelayFailed', `cannot listen on ${net.gateway}:${API_RELAY_PORT} for the kubernetes Service: ${message(e)}`);
    }
    if (full || this.networkName !== net.name) await this.d.podNetwork.removeStale(net.name).catch((e: unknown) => this.log.warn('cannot remove an old pod network', { error: message(e) }));
    if (this.networkName !== net.name) {
      this.networkName = net.name;
      this.log.info('pod network ready', { network: net.name, podCIDR, backend: cluster.backend, iptables: result.iptables, mode: opened.mode });
      for (const w of this.waiters.splice(0)) w();
    }
    const via = result.routes.filter((r) => !r.error).map((r) => `${r.peer} by ${r.mode}`);
    const wg = result.wireguard ? `; WireGuard device ${result.wireguard.device} (${implementationText(result.wireguard.implementation)}) on UDP ${result.wireguard.port}` : '';
    await this.condition('False', 'SkiffNetworkReady', `pods use ${podCIDR}${via.length ? `; routes to ${via.join(', ')}` : ''}${wg}`);
  }

  private async hostComponent(): Promise<OpenedHostNet> {
    this.hostnet ??= await this.d.openHostNet();
    return this.hostnet;
  }

  private peers(): Peer[] {
    const out: Peer[] = [];
    for (const n of this.nodes.list()) {
      const name = n.metadata.name ?? '';
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (name === this.d.nodeName || !n.spec?.podCIDR || !ip || n.metadata.deletionTimestamp) continue;
      const key = n.metadata.annotations?.[WIREGUARD_PUBLIC_KEY_ANNOTATION];
      // A malformed key is as good as none: the peer is reported as not having published one.
      out.push({ node: name, podCIDR: n.spec.podCIDR, nodeIP: ip, ...(isWireGuardKey(key) ? { publicKey: key } : {}) });
    }
    return out;
  }

  /** Puts the node's public key on its Node (the Node authorizer lets a node patch its own Node), when it is not there yet. */
  private async publishPublicKey(self: Node | undefined, publicKey: string): Promise<void> {
    if (!self || self.metadata.annotations?.[WIREGUARD_PUBLIC_KEY_ANNOTATION] === publicKey) return;
    await this.d.client.patch('nodes', undefined, this.d.nodeName, 'merge', { metadata: { annotations: { [WIREGUARD_PUBLIC_KEY_ANNOTATION]: publicKey } } });
    this.log.info('published the node\'s WireGuard public key', { publicKey });
  }

  private reportBusyPorts(busy: { port: number; protocol: string; owner: string; error: string }[], services: Service[]): void {
    const now = new Set<string>();
    for (const b of busy) {
      const k = `${b.port}/${b.protocol}`;
      now.add(`port:${k}`);
      const m = /^Service (\S+?)\/(\S+) /.exec(b.owner);
      const svc = m ? services.find((s) => s.metadata.namespace === m[1] && s.metadata.name === m[2]) : undefined;
      if (svc) this.report(svc, `port:${k}`, 'Warning', 'NodePortInUse', `port ${k} is already in use on node ${this.d.nodeName} (${b.error}); this Service is not reachable there on that port until it is free`);
    }
    for (const k of [...this.reported.keys()]) if (k.startsWith('port:') && !now.has(k)) this.reported.delete(k);
  }

  private reportRoutes(self: Node | undefined, routes: { peer: string; error?: string }[]): void {
    if (!self) return;
    for (const r of routes) {
      if (r.error) this.report(self, `route:${r.peer}`, 'Warning', 'NoRouteToPeer', `pods on node ${r.peer} cannot be reached from ${this.d.nodeName}: ${r.error}`);
      else this.reported.delete(`route:${r.peer}`);
    }
  }

  /** The host component's findings (a route it had to mend, a kernel module missing) as Warnings on the node's own Node: once each while they last. */
  private reportHost(self: Node | undefined, warnings: string[]): void {
    if (!self) return;
    const now = new Set(warnings.map((w) => `host:${w}`));
    for (const w of warnings) this.report(self, `host:${w}`, 'Warning', 'HostNetwork', w);
    for (const k of [...this.reported.keys()]) if (k.startsWith('host:') && !now.has(k)) this.reported.delete(k);
  }

  /** Records an event once per (subject, message) until the problem goes away. */
  private report(obj: KubeObject, key: string, type: 'Normal' | 'Warning', reason: string, msg: string): void {
    if (this.reported.get(key) === msg) return;
    this.reported.set(key, msg);
    this.d.recorder.record(obj, type, reason, msg);
  }

  private async unavailable(reason: string, msg: string): Promise<void> {
    this.notReady = msg;
    const self = this.nodes.getByName(undefined, this.d.nodeName);
    if (self && reason !== 'NoPodCIDR') this.report(self, 'node', 'Warning', reason, msg);
    await this.condition('True', reason, msg);
  }

  /** The Node's `NetworkUnavailable` condition, written when it changes (a strategic merge: the heartbeat keeps it). */
  private async condition(status: 'True' | 'False', reason: string, msg: string): Promise<void> {
    const key = `${status}/${reason}/${msg}`;
    if (this.lastCondition === key) return;
    const self = this.nodes.getByName(undefined, this.d.nodeName);
    if (!self) return;
    const prev = self.status?.conditions?.find((c) => c.type === 'NetworkUnavailable');
    const now = isoTime(this.d.clock.now());
    const c: Condition = { type: 'NetworkUnavailable', status, reason, message: msg, lastHeartbeatTime: now, lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
    try {
      await this.d.client.patch('nodes', undefined, this.d.nodeName, 'strategic', { status: { conditions: [c] } }, { subresource: 'status' });
      this.lastCondition = key;
    } catch (e) {
      this.log.debug('cannot write the NetworkUnavailable condition', { error: message(e) });
    }
  }
}

/** The parts of a Node that routing and the proxy depend on. */
function nodeFacts(n: Node): string {
  return JSON.stringify([n.spec?.podCIDR, n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, n.metadata.deletionTimestamp, n.metadata.annotations?.[WIREGUARD_PUBLIC_KEY_ANNOTATION]]);
}

function implementationText(i: 'kernel' | 'wireguard-go'): string {
  return i === 'kernel' ? 'the kernel\'s wireguard module' : 'wireguard-go in userspace: the kernel has no wireguard module';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
