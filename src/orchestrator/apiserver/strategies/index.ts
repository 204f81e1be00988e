import type { ResourceType } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Authorization } from '../authz/index.js';
import type { ObjectReader } from '../objects.js';
import { addressGroupStrategy } from './addressGroups.js';
import { eventStrategy } from './events.js';
import { leaseStrategy } from './leases.js';
import { namespaceStrategy } from './namespaces.js';
import { nodeStrategy } from './nodes.js';
import { podStrategy, podTemplateStrategy } from './pods.js';
import { priorityClassStrategy } from './priorityClasses.js';
import { roleBindingStrategy } from './roleBindings.js';
import { resourceQuotaStrategy } from './resourceQuotas.js';
import { roleStrategy } from './roles.js';
import { serviceStrategy } from './services.js';
import { statefulSetStrategy } from './statefulsets.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './storage.js';
import type { Strategy } from './types.js';

export type { Deletion, Strategy } from './types.js';

/** What strategies may need from the API server. */
export interface StrategyDeps {
  store: Store;
  /** Admission lookups (service accounts, priority and storage classes), from the watch cache. */
  objects: ObjectReader;
  clock: Clock;
}

const PLAIN: Strategy = {};

/**
 * The strategies of every kind that has one, keyed by resource (plural name); one file per kind in
 * this folder. Built once per registry (some keep state, as the service allocator does).
 */
export class Strategies {
  private readonly byResource: Map<string, Strategy>;

  constructor(deps: StrategyDeps) {
    this.byResource = new Map<string, Strategy>([
      ['pods', podStrategy(deps.objects)],
      ...['deployments', 'replicasets', 'replicationcontrollers', 'daemonsets', 'jobs'].map((r): [string, Strategy] => [r, podTemplateStrategy()]),
      ['cronjobs', podTemplateStrategy(['spec', 'jobTemplate', 'spec', 'template', 'spec'])],
      ['priorityclasses', priorityClassStrategy(deps.objects)],
      ['namespaces', namespaceStrategy],
      ['events', eventStrategy],
      ['services', serviceStrategy(deps.store, deps.clock)],
      ['nodes', nodeStrategy],
      ['leases', leaseStrategy],
      ['statefulsets', statefulSetStrategy],
      ['persistentvolumeclaims', persistentVolumeClaimStrategy(deps.objects)],
      ['persistentvolumes', persistentVolumeStrategy],
      ['addressgroups', addressGroupStrategy],
      ['resourcequotas', resourceQuotaStrategy(deps.objects, deps.clock)],
    ]);
  }

  /** The RBAC kinds' escalation checks, which need the authorizer (built after the registry). */
  useAuthorization(authz: Authorization): void {
    this.register('roles', roleStrategy(authz, 'roles'));
    this.register('clusterroles', roleStrategy(authz, 'clusterroles'));
    this.register('rolebindings', roleBindingStrategy(authz, 'rolebindings'));
    this.register('clusterrolebindings', roleBindingStrategy(authz, 'clusterrolebindings'));
  }

  /** Adds or replaces the strategy of a resource (another part of the API server owns it). */
  register(resource: string, strategy: Strategy): void {
    this.byResource.set(resource, strategy);
  }

  for(r: ResourceType): Strategy {
    return this.byResource.get(r.resource) ?? PLAIN;
  }
}
