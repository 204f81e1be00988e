import type { Client } from '../client/types.js';
import { createScheduler, type SchedulerOptions } from '../scheduler/scheduler.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { startDeploymentController } from './deployment.js';
import { startEndpointsController } from './endpoints.js';
import { startEndpointSliceController } from './endpointslice.js';
import { EventRecorder } from '../client/events.js';
import { startGarbageCollector, type GarbageCollectorOptions } from './garbagecollector.js';
import { SharedInformers } from '../client/SharedInformers.js';
import { startNamespaceController, type NamespaceOptions } from './namespace.js';
import { startNodeLifecycleController, type NodeLifecycleOptions } from './nodelifecycle.js';
import { startReplicaSetController } from './replicaset.js';
import type { ControllerLoop } from '../client/runner.js';
import type { ClusterNetwork } from '../api/clusterNetwork.js';
import { startKubernetesServiceController } from './kubernetesService.js';
import { startNodeIpamController } from './nodeipam.js';
import { startServiceLbController } from './servicelb.js';

export type ControllerName =
  | 'deployment'
  | 'replicaset'
  | 'endpoints'
  | 'endpointslice'
  | 'nodelifecycle'
  | 'garbagecollector'
  | 'namespace'
  | 'scheduler'
  | 'nodeipam'
  | 'kubernetesservice'
  | 'servicelb';

export interface ControllerManagerOptions {
  scheduler?: SchedulerOptions;
  nodeLifecycle?: NodeLifecycleOptions;
  garbageCollector?: GarbageCollectorOptions;
  namespace?: NamespaceOptions;
  /** Pod and service ranges (node IPAM, the `kubernetes` Service); default 10.42.0.0/16 and 10.96.0.0/12. */
  network?: ClusterNetwork;
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
  const informers = new SharedInformers(client, clock, log.child({ component: 'informers' }));
  const recorders = new Map<string, EventRecorder>();
  const ctx: ControllerContext = {
    client,
    clock,
    log,
    informers,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder({ client, clock, log, component })));
      return r;
    },
  };
  const off = new Set(options.disabled ?? []);
  const loops: ControllerLoop[] = [];
  const start = (name: ControllerName, f: () => ControllerLoop) => {
    if (!off.has(name)) loops.push(f());
  };
  start('replicaset', () => startReplicaSetController(ctx));
  start('deployment', () => startDeploymentController(ctx));
  start('endpoints', () => startEndpointsController(ctx));
  start('endpointslice', () => startEndpointSliceController(ctx));
  start('nodelifecycle', () => startNodeLifecycleController(ctx, options.nodeLifecycle));
  start('garbagecollector', () => startGarbageCollector(ctx, options.garbageCollector));
  start('namespace', () => startNamespaceController(ctx, options.namespace));
  start('scheduler', () => createScheduler(ctx, options.scheduler));
  start('nodeipam', () => startNodeIpamController(ctx, options.network));
  start('kubernetesservice', () => startKubernetesServiceController(ctx, options.network));
  start('servicelb', () => startServiceLbController(ctx));
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
