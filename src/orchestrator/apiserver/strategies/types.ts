import type { KubeObject } from '../../api/types.js';
import type { DeleteOptions } from '../../client/types.js';
import type { RequestContext } from '../requestContext.js';

/** What a DELETE of one object does before (or instead of) removing it. */
export interface Deletion {
  /** Seconds the object stays, marked with `deletionTimestamp`, before it may be removed (default 0). */
  gracePeriodSeconds: number;
  /** Finalizers the delete adds (a namespace's `kubernetes`). */
  finalizers?: string[];
  /** Status the object gets when it starts terminating (a namespace's `Terminating` phase). */
  status?: unknown;
}

/**
 * What is special about one kind on create, update and delete, as kube-apiserver's
 * `pkg/registry/<group>/<kind>/strategy.go`. The registry stays generic: it calls the kind's strategy
 * at fixed points, with the request's identity. Every hook is optional; a kind without a strategy
 * file is plain. Hooks may throw an `ApiError` (a Status reaches the client as it is).
 */
export interface Strategy {
  /** Objects of this kind may be created in a namespace that is terminating (Events). */
  readonly createInTerminatingNamespace?: boolean;
  /**
   * A create keeps the status it was sent (Nodes: the kubelet registers its node with one). Other
   * kinds with a status subresource start from their defaults' status, as kube-apiserver resets it.
   */
  readonly keepsStatusOnCreate?: boolean;
  /** Fills server-owned fields before validation on create (a Service's cluster IP and node ports). */
  prepareForCreate?(obj: KubeObject, req: RequestContext): Promise<void> | void;
  /** The same on update, with the stored object; `next` is the object about to be stored. */
  prepareForUpdate?(next: KubeObject, current: KubeObject, req: RequestContext): Promise<void> | void;
  /** Checks beyond the schema that depend on who asks (RBAC's escalation check). Throws to refuse. */
  admit?(obj: KubeObject, current: KubeObject | undefined, req: RequestContext): Promise<void> | void;
  /**
   * Warnings about an object being created or updated (`current` set): fields accepted but not
   * acted on. They reach the client as `Warning` headers (kubectl prints them); never a refusal.
   */
  warnings?(obj: KubeObject, current: KubeObject | undefined): Promise<string[]> | string[];
  /** Checks a DELETE of `obj` against who asks (NodeRestriction: a node deletes only its own pods). Throws to refuse. */
  admitDelete?(obj: KubeObject, req: RequestContext): Promise<void> | void;
  /** What a DELETE does; without this hook, objects without finalizers go at once. */
  deletion?(obj: KubeObject, opts: DeleteOptions): Deletion;
}
