/**
 * Shapes of the workload kinds beyond Deployment and ReplicaSet (batch/v1 Job and CronJob, apps/v1
 * DaemonSet, StatefulSet and ControllerRevision, core/v1 ReplicationController), with Kubernetes
 * field names. As in types.ts only the fields Skiff reads or writes are typed; objects are stored
 * whole, so everything else round-trips.
 */
import type { Condition, KubeObject, LabelSelector, ObjectMeta, ObjectReference, PodTemplateSpec } from './types.js';

// ---- batch/v1 Job ----
export interface PodFailurePolicyOnExitCodes {
  containerName?: string;
  operator: 'In' | 'NotIn';
  values: number[];
}
export interface PodFailurePolicyOnPodConditionsPattern {
  type: string;
  status?: 'True' | 'False' | 'Unknown';
}
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: PodFailurePolicyOnExitCodes;
  onPodConditions?: PodFailurePolicyOnPodConditionsPattern[];
}
export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}
export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  successPolicy?: { rules: SuccessPolicyRule[] };
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: 'NonIndexed' | 'Indexed';
  suspend?: boolean;
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
  managedBy?: string;
}
export interface JobCondition extends Condition {
  lastProbeTime?: string | null;
}
export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  ready?: number;
}
export interface Job extends KubeObject {
  kind: 'Job';
  spec: JobSpec;
  status?: JobStatus;
}

// ---- batch/v1 CronJob ----
export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec: JobSpec;
}
export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}
export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}
export interface CronJob extends KubeObject {
  kind: 'CronJob';
  spec: CronJobSpec;
  status?: CronJobStatus;
}

// ---- apps/v1 DaemonSet ----
export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: {
    type?: 'RollingUpdate' | 'OnDelete';
    rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
  };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}
export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: Condition[];
}
export interface DaemonSet extends KubeObject {
  kind: 'DaemonSet';
  spec: DaemonSetSpec;
  status?: DaemonSetStatus;
}

// ---- apps/v1 StatefulSet ----
export interface PersistentVolumeClaimTemplate {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
}
export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  volumeClaimTemplates?: PersistentVolumeClaimTemplate[];
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: {
    type?: 'RollingUpdate' | 'OnDelete';
    rollingUpdate?: { partition?: number; maxUnavailable?: number | string };
  };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete'; whenScaled?: 'Retain' | 'Delete' };
  ordinals?: { start?: number };
}
export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: Condition[];
  availableReplicas?: number;
}
export interface StatefulSet extends KubeObject {
  kind: 'StatefulSet';
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}

// ---- apps/v1 ControllerRevision ----
export interface ControllerRevision extends KubeObject {
  kind: 'ControllerRevision';
  /** For DaemonSets and StatefulSets: `{"spec":{"template":{..., "$patch":"replace"}}}`. */
  data?: unknown;
  revision: number;
}

// ---- core/v1 ReplicationController ----
export interface ReplicationControllerSpec {
  replicas?: number;
  minReadySeconds?: number;
  /** A plain label map (equality only), unlike the ReplicaSet's LabelSelector. */
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}
export interface ReplicationControllerStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}
export interface ReplicationController extends KubeObject {
  kind: 'ReplicationController';
  spec: ReplicationControllerSpec;
  status?: ReplicationControllerStatus;
}
