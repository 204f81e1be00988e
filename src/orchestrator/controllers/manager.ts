import type { Client } from '../client/types.js';
import { createScheduler, type SchedulerOptions } from '../scheduler/scheduler.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { startClusterRoleAggregationController } from './clusterroleaggregation.js';
import { startJobController } from './job.js';
import { startCronJobController } from './cronjob.js';
import { startDaemonSetController } from './daemonset.js';
import { startStatefulSetController } from './statefulset.js';
import { startDeploymentController } from './deployment.js';
import { startEndpointsController } from './endpoints.js';
import { startEndpointSliceController } from './endpointslice.js';
import { EventRecorder } from '../client/events.js';
import { startGarbageCollector, type GarbageCollectorOptions } from './garbagecollector.js';
import { SharedInformers } from '../client/SharedInformers.js';
import { startNamespaceController, type NamespaceOptions } from './namespace.js';
import { startNodeLifecycleController, type NodeLifecycleOptions } from './nodelifecycle.js';
import { startReplicaSetController, startReplicationControllerController } from './replicaset.js';
import { startDisruptionController } from './poddisruptionbudget.js';
import { startPodAutoscalerController, type PodAutoscalerOptions } from './podautoscaler.js';
import type { ControllerLoop } from '../client/runner.js';
import { startRootCACertPublisher, type RootCAOptions } from './rootcacertpublisher.js';
import { startServiceAccountController } from './serviceaccount.js';
import type { ClusterNetwork } from '../api/clusterNetwork.js';
import { startClusterDnsServiceController, startKubernetesServiceController } from './kubernetesService.js';
import { startNodeIpamController } from './nodeipam.js';
import { startIngressStatusController } from './ingressStatus.js';
import { startServiceLbController } from './servicelb.js';
import { startPersistentVolumeController } from './persistentvolume.js';
import { startStorageProtectionController } from './storageprotection.js';
import { startLocalPathProvisioner, type LocalPathOptions } from './localpath.js';
import { startAddressGroupController } from './addressgroup.js';
import { startResourceQuotaController } from './resourcequota.js';

export type ControllerName =
  | 'clusterrole-aggregation'
  | 'deployment'
  | 'job'
  | 'cronjob'
  | 'daemonset'
  | 'statefulset'
  | 'replicationcontroller'
  | 'replicaset'
  | 'endpoints'
  | 'endpointslice'
  | 'nodelifecycle'
  | 'garbagecollector'
  | 'namespace'
  | 'serviceaccount'
  | 'rootcacertpublisher'
  | 'scheduler'
  | 'nodeipam'
  | 'kubernetesservice'
  | 'clusterdnsservice'
  | 'servicelb'
  | 'ingress'
  | 'horizontalpodautoscaling'
  | 'disruption'
  | 'persistentvolume-binder'
  | 'storage-protection'
  | 'local-path-provisioner'
  | 'addressgroup'
  | 'resourcequota';

export interface ControllerManagerOptions {
  scheduler?: SchedulerOptions;
  nodeLifecycle?: NodeLifecycleOptions;
  garbageCollector?: GarbageCollectorOptions;
  namespace?: NamespaceOptions;
  /** The cluster CA, published as ConfigMap `kube-root-ca.crt` in every namespace (no CA: not published). */
  rootCA?: RootCAOptions;
  /** Pod and service ranges (node IPAM, the `kubernetes` Service); default 10.42.0.0/16 and 10.96.0.0/12. */
  network?: ClusterNetwork;
  podAutoscaler?: PodAutoscalerOptions;
  /** The `skiff.io/local-path` provisioner: base path on the nodes, helper image. */
  localPath?: LocalPathOptions;
  /** Controllers to leave out (tests that exercise one in isolation). */
  disabled?: ControllerName[];
}

/** The name the control plane facade imports. */
export type ControllerOptions = ControllerManagerOptions;

export interface StartControllersOptions {
  client: Client;
  clock: Clock;
  log: Logger;
  options?: ControllerManagerOptions;
}

/** The running controller manager. `dispose` stops every loop, then the informers, then waits for event writes. */
export interface ControllerManager {
  readonly loops: readonly ControllerLoop[];
  readonly informers: SharedInformers;
  /** Resolves when the informers of every controller have listed once. */
  synced(): Promise<void>;
  /** Resolves when every queued event write has finished (tests). */
  eventsIdle(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * kube-controller-manager + kube-scheduler in one: builds one SharedInformers (a single list+watch
 * per resource for everyone), starts each controller and the scheduler on it, then starts the
 * informers. Controllers do no work before their caches have synced.
 */
export function startControllers({ client, clock, log, options = {} }: StartControllersOptions): ControllerManager {
  // Each controller, and the event recorders together, is a flow of its own for API priority and
  // fairness: a ReplicaSet creating 20,000 pods delays the scheduler by one request per round at most.
  const flow = (name: string): Client => client.forFlow?.(name) ?? client;
  const informers = new SharedInformers(flow('informers'), clock, log.child({ component: 'informers' }));
  const recorders = new Map<string, EventRecorder>();
  const events = flow('events');
  const ctx: ControllerContext = {
    client,
    clock,
    log,
    informers,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder({ client: events, clock, log, component })));
      return r;
    },
  };
  const off = new Set(options.disabled ?? []);
  const loops: ControllerLoop[] = [];
  const start = (name: ControllerName, f: (c: ControllerContext) => ControllerLoop) => {
    if (!off.has(name)) loops.push(f({ ...ctx, client: flow(name) }));
  };
  start('replicaset', (c) => startReplicaSetController(c));
  start('deployment', (c) => startDeploymentController(c));
  start('job', (c) => startJobController(c));
  start('cronjob', (c) => startCronJobController(c));
  start('daemonset', (c) => startDaemonSetController(c));
  start('statefulset', (c) => startStatefulSetController(c));
  start('replicationcontroller', (c) => startReplicationControllerController(c));
  start('endpoints', (c) => startEndpointsController(c));
  start('endpointslice', (c) => startEndpointSliceController(c));
  start('nodelifecycle', (c) => startNodeLifecycleController(c, options.nodeLifecycle));
  start('garbagecollector', (c) => startGarbageCollector(c, options.garbageCollector));
  start('namespace', (c) => startNamespaceController(c, options.namespace));
  start('clusterrole-aggregation', (c) => startClusterRoleAggregationController(c));
  start('serviceaccount', (c) => startServiceAccountController(c));
  const rootCA = options.rootCA;
  if (rootCA) start('rootcacertpublisher', (c) => startRootCACertPublisher(c, rootCA));
  // kube-scheduler's own FlowSchema puts it at workload-high upstream: under load, bindings are not
  // rationed one per event-loop turn with every controller's bulk writes (its binds in flight are
  // bounded by parallelBinds).
  if (!off.has('scheduler')) loops.push(createScheduler({ ...ctx, client: client.forFlow?.('scheduler', 'workload-high') ?? client }, options.scheduler));
  start('nodeipam', (c) => startNodeIpamController(c, options.network));
  start('kubernetesservice', (c) => startKubernetesServiceController(c, options.network));
  start('clusterdnsservice', (c) => startClusterDnsServiceController(c, options.network));
  start('servicelb', (c) => startServiceLbController(c, options.network));
  start('ingress', (c) => startIngressStatusController(c));
  start('horizontalpodautoscaling', (c) => startPodAutoscalerController(c, options.podAutoscaler));
  start('disruption', (c) => startDisruptionController(c));
  start('persistentvolume-binder', (c) => startPersistentVolumeController(c));
  start('storage-protection', (c) => startStorageProtectionController(c));
  start('local-path-provisioner', (c) => startLocalPathProvisioner(c, options.localPath));
  start('addressgroup', (c) => startAddressGroupController(c));
  start('resourcequota', (c) => startResourceQuotaController(c));
  informers.start();
  log.info('controllers started', { controllers: loops.map((l) => l.name) });

  const eventsIdle = async () => {
    await Promise.all([...recorders.values()].map((r) => r.idle()));
  };
  return {
    loops,
    informers,
    synced: () => informers.waitForSync(),
    eventsIdle,
    async dispose() {
      for (const l of [...loops].reverse()) l.stop();
      informers.stop();
      await eventsIdle();
    },
  };
}
