import type { ResourceType } from './resources.js';
import { AGE_COLUMN, NAME_COLUMN, age, createdAtPrinter, type Printer, type TableColumnDefinition, type TableRowCondition } from './tables/common.js';
import { controllerRevisionPrinter, cronJobPrinter, replicationControllerPrinter } from './tables/batch.js';
import { configMapPrinter, endpointsPrinter, eventPrinter, namespacePrinter, nodePrinter, resourceQuotaPrinter, secretPrinter, serviceAccountPrinter, servicePrinter } from './tables/core.js';
import { endpointSlicePrinter, hostPrinter, addressGroupPrinter, ingressClassPrinter, ingressPrinter, leasePrinter } from './tables/network.js';
import { podPrinter } from './tables/pods.js';
import { pdbPrinter, priorityClassPrinter } from './tables/policy.js';
import { clusterRoleBindingPrinter, roleBindingPrinter, rolePrinter } from './tables/rbac.js';
import { pvPrinter, pvcPrinter, storageClassPrinter } from './tables/storage.js';
import { daemonSetPrinter, deploymentPrinter, hpaPrinter, jobPrinter, replicaSetPrinter, statefulSetPrinter } from './tables/workloads.js';
import type { KubeObject, ObjectMeta } from './types.js';

export type { TableColumnDefinition, TableRowCondition } from './tables/common.js';
export { humanDuration } from './tables/common.js';

/** `includeObject` of the Table request: what each row's `object` carries. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: PartialObjectMetadata | KubeObject;
}

/** A meta.k8s.io/v1 Table, as `kubectl get` asks for it. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  /** Milliseconds since the epoch, for AGE and other relative times (inject the clock's now). */
  now: number;
  /**
   * Include `priority: 1` columns (what `-o wide` shows). Default true: the real server always
   * sends them and kubectl hides them unless asked.
   */
  wide?: boolean;
  /** Default `Metadata`: rows carry PartialObjectMetadata, which `-A`, `--show-labels` and `-L` need. */
  includeObject?: IncludeObject;
}

const PRINTERS: Record<string, Printer> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Event: eventPrinter,
  Namespace: namespacePrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  PersistentVolumeClaim: pvcPrinter,
  PersistentVolume: pvPrinter,
  StorageClass: storageClassPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  ReplicationController: replicationControllerPrinter,
  ControllerRevision: controllerRevisionPrinter,
  HorizontalPodAutoscaler: hpaPrinter,
  PodDisruptionBudget: pdbPrinter,
  PriorityClass: priorityClassPrinter,
  LimitRange: createdAtPrinter,
  ResourceQuota: resourceQuotaPrinter,
  Ingress: ingressPrinter,
  IngressClass: ingressClassPrinter,
  Lease: leasePrinter,
  EndpointSlice: endpointSlicePrinter,
  Host: hostPrinter,
  AddressGroup: addressGroupPrinter,
  Role: rolePrinter,
  ClusterRole: rolePrinter,
  RoleBinding: roleBindingPrinter,
  ClusterRoleBinding: clusterRoleBindingPrinter,
};

/** What the server prints for a kind without its own columns. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  row: (obj, now) => ({ cells: [obj.metadata.name, age(obj, now)] }),
};

export function columnsFor(r: Pick<ResourceType, 'kind'>): TableColumnDefinition[] {
  return (PRINTERS[r.kind] ?? DEFAULT_PRINTER).columns;
}

/** One kind's Table columns and a row maker, for callers that render rows a few at a time. */
export interface TablePrinter {
  columnDefinitions: TableColumnDefinition[];
  row(obj: KubeObject): TableRow;
}

export function tablePrinter(r: Pick<ResourceType, 'kind'>, opts: TableOptions): TablePrinter {
  const printer = PRINTERS[r.kind] ?? DEFAULT_PRINTER;
  const wide = opts.wide ?? true;
  const keep = printer.columns.map((c) => wide || c.priority === 0);
  const include = opts.includeObject ?? 'Metadata';
  return {
    columnDefinitions: printer.columns.filter((_, i) => keep[i]),
    row(obj: KubeObject): TableRow {
      const printed = printer.row(obj, opts.now);
      const row: TableRow = { cells: wide ? printed.cells : printed.cells.filter((_, i) => keep[i]) };
      if (printed.conditions) row.conditions = printed.conditions;
      if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
      else if (include === 'Object') row.object = obj;
      return row;
    },
  };
}

/**
 * Renders objects of one kind as the Table kube-apiserver returns for `kubectl get`: the columns
 * kubectl prints for that kind, one row per object in the given order. Pure: the caller sets
 * `metadata.resourceVersion` (and `continue`) from its list.
 */
export function toTable(r: Pick<ResourceType, 'kind'>, objects: readonly KubeObject[], opts: TableOptions): Table {
  const p = tablePrinter(r, opts);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: p.columnDefinitions,
    rows: objects.map((o) => p.row(o)),
  };
}
