/**
 * Strategic-merge-patch metadata of the fields our kinds have, as the `patchStrategy` /
 * `patchMergeKey` struct tags of k8s.io/api (v1.32) declare them. The client-node models that the
 * schema generator reads do not carry these, so they are listed here and written into
 * `definitions.json` as `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`.
 * Keyed by client-node model name and JSON field. A list not named here is atomic (replaced whole).
 */
export interface PatchMeta {
  strategy: 'merge' | 'retainKeys' | 'merge,retainKeys';
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

const byName = (strategy: PatchMeta['strategy'] = 'merge'): PatchMeta => ({ strategy, mergeKey: 'name', listType: 'map', listMapKeys: ['name'] });
const byType: PatchMeta = { strategy: 'merge', mergeKey: 'type', listType: 'map', listMapKeys: ['type'] };
const byIp: PatchMeta = { strategy: 'merge', mergeKey: 'ip' };

export const PATCH_META: Record<string, PatchMeta> = {
  // meta/v1
  'V1ObjectMeta.finalizers': { strategy: 'merge', listType: 'set' },
  'V1ObjectMeta.ownerReferences': { strategy: 'merge', mergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] },

  // core/v1 Pod
  'V1PodSpec.containers': byName(),
  'V1PodSpec.initContainers': byName(),
  'V1PodSpec.ephemeralContainers': byName(),
  'V1PodSpec.imagePullSecrets': byName(),
  'V1PodSpec.volumes': byName('merge,retainKeys'),
  'V1PodSpec.resourceClaims': byName('merge,retainKeys'),
  'V1PodSpec.schedulingGates': byName(),
  'V1PodSpec.hostAliases': { strategy: 'merge', mergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] },
  'V1PodSpec.topologySpreadConstraints': { strategy: 'merge', mergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
  'V1Container.env': byName(),
  'V1Container.ports': { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  'V1Container.volumeMounts': { strategy: 'merge', mergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] },
  'V1Container.volumeDevices': { strategy: 'merge', mergeKey: 'devicePath', listType: 'map', listMapKeys: ['devicePath'] },
  'V1EphemeralContainer.env': byName(),
  'V1EphemeralContainer.ports': { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  'V1EphemeralContainer.volumeMounts': { strategy: 'merge', mergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] },
  'V1EphemeralContainer.volumeDevices': { strategy: 'merge', mergeKey: 'devicePath', listType: 'map', listMapKeys: ['devicePath'] },
  'V1PodStatus.conditions': byType,
  'V1PodStatus.podIPs': byIp,
  'V1PodStatus.hostIPs': byIp,
  'V1PodStatus.resourceClaimStatuses': byName('merge,retainKeys'),

  // core/v1 others
  'V1NodeSpec.podCIDRs': { strategy: 'merge', listType: 'set' },
  'V1NodeStatus.addresses': byType,
  'V1NodeStatus.conditions': byType,
  'V1ServiceSpec.ports': { strategy: 'merge', mergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
  'V1ServiceStatus.conditions': byType,
  'V1ServiceAccount.secrets': byName(),
  'V1NamespaceStatus.conditions': byType,
  'V1PersistentVolumeClaimStatus.conditions': byType,

  // apps/v1
  'V1DeploymentSpec.strategy': { strategy: 'retainKeys' },
  'V1DeploymentStatus.conditions': byType,
  'V1ReplicaSetStatus.conditions': byType,
  'V1DaemonSetStatus.conditions': byType,
  'V1StatefulSetStatus.conditions': byType,

  // batch/v1
  'V1JobStatus.conditions': { strategy: 'merge', mergeKey: 'type', listType: 'atomic' },

  // core/v1 ReplicationController
  'V1ReplicationControllerStatus.conditions': byType,
};
