import { createSecureContext, type SecureContext } from 'node:tls';
import { CLUSTER_NETWORK_CONFIGMAP, clusterNetworkFromConfigMap, ingressPorts } from '../../api/clusterNetwork.js';
import { ingressTlsSecrets, servesIngress, type Ingress, type IngressClass } from '../../api/ingress.js';
import type { DiscoveryEndpointSlice, KubeObject, Node, Service } from '../../api/types.js';
import { Informer } from '../../client/Informer.js';
import { runLoop, type ControllerLoop } from '../../client/runner.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { ObjectCache } from '../kubelet/objectCache.js';
import type { Recorder } from '../kubelet/types.js';
import { IngressProxyServer, type IngressPorts } from './proxyServer.js';
import { buildRouteTable } from './routeTable.js';

const SYNC = 'sync';

export interface IngressControllerDeps {
  client: Client;
  clock: Clock;
  log: Logger;
  /** Events on the Node (a port it cannot open) and on Ingresses (a TLS Secret it cannot use). */
  recorder: Recorder;
  nodeName: string;
  /** The node network's informers, shared (one list+watch each per agent). */
  services: Informer<Service>;
  slices: Informer<DiscoveryEndpointSlice>;
  nodes: Informer<Node>;
  /** Ports to use instead of the cluster settings' (tests that run beside other listeners). */
  ports?: IngressPorts;
  /** Retry a port that could not be opened, and re-read everything, this often (default 30 s). */
  resyncMs?: number;
}

/**
 * The node half of the built-in ingress controller (k3s ships traefik; Skiff has its own): watches
 * Ingresses and IngressClasses, reuses the node network's Services and EndpointSlices, watches by
 * name each TLS Secret the served Ingresses name (the Node authorizer allows exactly those), and
 * keeps the node's {@link IngressProxyServer} listening on the cluster's ingress ports with the
 * current routes. A port it cannot open (taken, or not root) is a Warning event on the Node,
 * retried on every resync; a TLS Secret that is missing or holds no usable key pair is a Warning
 * on the Ingress, and that host gets no certificate (the TLS handshake fails) until it is fixed.
 */
export class IngressController {
  private readonly ingresses: Informer<Ingress>;
  private readonly classes: Informer<IngressClass>;
  private readonly config: Informer<KubeObject>;
  private readonly secrets: ObjectCache;
  private readonly server: IngressProxyServer;
  private readonly loop: ControllerLoop;
  private readonly log: Logger;
  private readonly reported = new Map<string, string>();
  /** The ObjectCache owners (`ingress:ns/name`) holding Secret watches now. */
  private refs = new Set<string>();
  private cancelResync?: () => void;
  private stopped = false;

  constructor(private readonly d: IngressControllerDeps) {
    this.log = d.log.child({ component: 'ingress' });
    this.ingresses = new Informer<Ingress>(d.client, 'ingresses', d.clock, this.log);
    this.classes = new Informer<IngressClass>(d.client, 'ingressclasses', d.clock, this.log);
    this.config = new Informer<KubeObject>(d.client, 'configmaps', d.clock, this.log, { namespace: CLUSTER_NETWORK_CONFIGMAP.namespace, fieldSelector: `metadata.name=${CLUSTER_NETWORK_CONFIGMAP.name}` });
    this.secrets = new ObjectCache({ client: d.client, clock: d.clock, log: this.log, onChange: () => this.kick() });
    this.server = new IngressProxyServer(this.log);
    this.loop = runLoop('ingress', () => this.sync(), { clock: d.clock, log: this.log, workers: 1, maxBackoffMs: 30_000, initialBackoffMs: 1_000 });
  }

  start(): void {
    const kick = () => this.kick();
    for (const inf of [this.ingresses, this.classes, this.config, this.d.services, this.d.slices] as Informer<KubeObject>[]) inf.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
    for (const inf of [this.ingresses, this.classes, this.config] as Informer<KubeObject>[]) inf.start();
    this.cancelResync = this.d.clock.setInterval(kick, this.d.resyncMs ?? 30_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelResync?.();
    this.loop.stop();
    for (const inf of [this.ingresses, this.classes, this.config] as Informer<KubeObject>[]) inf.stop();
    this.secrets.stop();
    await this.server.close();
  }

  /** Resolves when no sync is queued or running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** The ports the proxy listens on now (0: closed). */
  listening(): IngressPorts {
    return this.server.listening();
  }

  private kick(): void {
    if (!this.stopped) this.loop.enqueue(SYNC);
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    await Promise.all([this.ingresses, this.classes, this.config, this.d.services, this.d.slices].map((i) => i.waitForSync()));
    const classes = this.classes.list();
    const served = this.ingresses.list().filter((i) => servesIngress(i, classes));
    const table = buildRouteTable({ ingresses: served, services: this.d.services.list(), slices: this.d.slices.list() });
    const contexts = await this.certificates(served);
    this.server.update(table, contexts);
    await this.listen();
  }

  /** Watches the TLS Secrets of the served Ingresses and turns each usable one into a TLS context. */
  private async certificates(served: Ingress[]): Promise<Map<string, SecureContext>> {
    const contexts = new Map<string, SecureContext>();
    const live = new Set<string>();
    for (const ing of served) {
      const ns = ing.metadata.namespace ?? 'default';
      const key = `${ns}/${ing.metadata.name ?? ''}`;
      live.add(`ingress:${key}`);
      const names = ingressTlsSecrets(ing);
      this.secrets.setRefs(`ingress:${key}`, names.map((name) => ({ kind: 'secrets' as const, namespace: ns, name })));
      for (const name of names) {
        const id = `${ns}/${name}`;
        const reportKey = `tls:${key}:${name}`;
        try {
          if (!contexts.has(id)) contexts.set(id, await this.context(ns, name));
          this.reported.delete(reportKey);
        } catch (e) {
          this.report(ing, reportKey, 'TLSSecretInvalid', `TLS Secret ${id}: ${e instanceof Error ? e.message : String(e)}; its hosts get no certificate on node ${this.d.nodeName}`);
        }
      }
    }
    // Ingresses deleted or no longer served stop their Secrets' watches.
    for (const k of this.refs) if (!live.has(k)) this.secrets.release(k);
    this.refs = live;
    return contexts;
  }

  private async context(ns: string, name: string): Promise<SecureContext> {
    const s = await this.secrets.get('secrets', ns, name);
    const crt = s.data?.['tls.crt'];
    const key = s.data?.['tls.key'];
    if (!crt || !key) throw new Error(`has no tls.crt and tls.key (type ${s.type ?? 'Opaque'}; a kubernetes.io/tls Secret holds them)`);
    return createSecureContext({ cert: Buffer.from(crt, 'base64'), key: Buffer.from(key, 'base64') });
  }

  private async listen(): Promise<void> {
    const want = this.d.ports ?? this.settingsPorts();
    if (!want) return;
    const self = this.d.nodes.getByName(undefined, this.d.nodeName);
    try {
      await this.server.listen(want);
      if (this.reported.delete('ports')) this.log.info('ingress listening', { ...want });
    } catch (e) {
      const msg = `the ingress proxy is not serving on node ${this.d.nodeName} (HTTP ${want.http || 'off'}, HTTPS ${want.https || 'off'}): ${e instanceof Error ? e.message : String(e)}; set SKIFF_INGRESS_HTTP_PORT/SKIFF_INGRESS_HTTPS_PORT or free the port`;
      this.log.warn(msg);
      if (self) this.report(self, 'ports', 'IngressPortUnavailable', msg);
    }
  }

  private settingsPorts(): IngressPorts | undefined {
    const cm = this.config.list()[0];
    if (!cm) return undefined;
    try {
      return ingressPorts(clusterNetworkFromConfigMap(cm));
    } catch (e) {
      this.log.warn('cannot read the ingress ports from the cluster network settings', { error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }

  /** A Warning once per (subject, message) until it changes or goes away. */
  private report(obj: KubeObject, key: string, reason: string, msg: string): void {
    if (this.reported.get(key) === msg) return;
    this.reported.set(key, msg);
    this.d.recorder.record(obj, 'Warning', reason, msg);
  }
}
