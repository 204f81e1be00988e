import { createHash } from 'node:crypto';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import type { EndpointAddress, Endpoints, EndpointSubset, KubeObject, Service } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { deepEqual } from '../api/podutil.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'endpointslice-controller';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Slices mirrored from the Endpoints of a Service without a selector (Kubernetes' mirroring controller). */
export const MIRROR_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
/** Endpoints labelled so are not mirrored (the `kubernetes` Service's, which has its own slice). */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

/** A discovery.k8s.io/v1 EndpointSlice, the fields Skiff writes. */
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4';
  endpoints: {
    addresses: string[];
    conditions: { ready: boolean; serving: boolean; terminating: boolean };
    nodeName?: string;
    hostname?: string;
    targetRef?: EndpointAddress['targetRef'];
  }[];
  ports?: { name?: string; port: number; protocol: string }[];
}

/**
 * Service -> EndpointSlices (`kubectl describe service`, the service proxy and newer clients read
 * slices, not Endpoints): one slice per subset of the Service's Endpoints (which the endpoints
 * controller computes from the selected pods), labelled `kubernetes.io/service-name` and owned by
 * the Service, so the garbage collector removes them with it. For a Service without a selector the
 * Endpoints its user wrote are mirrored the same way (Kubernetes' EndpointSlice mirroring
 * controller; `endpointslice.kubernetes.io/skip-mirror: "true"` opts out). Slices written by hand
 * are left to their authors: only slices labelled as managed by these two controllers are touched.
 */
export function startEndpointSliceController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const svcInf = informers.get<Service>('services');
  const epInf = informers.get<Endpoints>('endpoints');
  const sliceInf = informers.get<EndpointSlice>('endpointslices');

  const reconcile = async (key: string): Promise<void> => {
    const svc = svcInf.get(key);
    const [namespace, name] = key.split('/') as [string, string];
    const current = sliceInf.list((s) => s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === name && ours(s));
    const ep = epInf.get(key);
    const mirror = !!svc && !svc.spec.selector && !!ep && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    const wanted = svc && svc.spec.type !== 'ExternalName' && (svc.spec.selector || mirror) ? desiredSlices(svc, ep, svc.spec.selector ? MANAGED_BY : MIRROR_MANAGED_BY) : [];
    for (const s of current) {
      if (wanted.some((w) => w.metadata.name === s.metadata.name)) continue;
      try {
        await client.delete('endpointslices', namespace, s.metadata.name ?? '', { preconditions: { uid: s.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    for (const w of wanted) {
      const have = current.find((s) => s.metadata.name === w.metadata.name);
      if (have) {
        if (deepEqual(have.endpoints ?? [], w.endpoints) && deepEqual(have.ports ?? [], w.ports ?? []) && deepEqual(have.metadata.labels ?? {}, w.metadata.labels ?? {})) continue;
        await client.update<EndpointSlice>('endpointslices', { ...have, metadata: { ...have.metadata, labels: w.metadata.labels }, endpoints: w.endpoints, ports: w.ports });
        continue;
      }
      try {
        await client.create('endpointslices', w);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['services', 'endpoints', 'endpointslices']) });
  const keyOf = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name ?? '');
  svcInf.addHandlers({ onAdd: (s) => loop.enqueue(keyOf(s)), onUpdate: (_o, s) => loop.enqueue(keyOf(s)), onDelete: (s) => loop.enqueue(keyOf(s)) });
  epInf.addHandlers({ onAdd: (e) => loop.enqueue(keyOf(e)), onUpdate: (_o, e) => loop.enqueue(keyOf(e)), onDelete: (e) => loop.enqueue(keyOf(e)) });
  const bySlice = (s: EndpointSlice) => {
    const svcName = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svcName && ours(s)) loop.enqueue(objectKey(s.metadata.namespace, svcName));
  };
  sliceInf.addHandlers({ onUpdate: (_o, s) => bySlice(s), onDelete: bySlice });
  return loop;
}

function ours(s: EndpointSlice): boolean {
  const m = s.metadata.labels?.[MANAGED_BY_LABEL];
  return m === MANAGED_BY || m === MIRROR_MANAGED_BY;
}

/** The slices a Service's Endpoints translate to, named `<service>-<hash>` (stable per subset position). */
export function desiredSlices(svc: Service, ep: Endpoints | undefined, managedBy: string = MANAGED_BY): EndpointSlice[] {
  const subsets: EndpointSubset[] = ep?.subsets?.length ? ep.subsets : [{}];
  const name = svc.metadata.name ?? '';
  return subsets.map((ss, i) => {
    const suffix = createHash('sha256').update(`${svc.metadata.uid ?? name}/${i}`).digest('hex').slice(0, 5);
    const endpoint = (a: EndpointAddress, ready: boolean) => ({
      addresses: [a.ip],
      conditions: { ready, serving: ready, terminating: false },
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      ...(a.hostname ? { hostname: a.hostname } : {}),
      ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    });
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-${suffix}`,
        namespace: svc.metadata.namespace,
        labels: { ...svc.metadata.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: managedBy },
        ...(svc.metadata.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }] } : {}),
      },
      addressType: 'IPv4',
      endpoints: [...(ss.addresses ?? []).map((a) => endpoint(a, true)), ...(ss.notReadyAddresses ?? []).map((a) => endpoint(a, false))],
    };
    if (ss.ports?.length) slice.ports = ss.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' }));
    return slice;
  });
}
