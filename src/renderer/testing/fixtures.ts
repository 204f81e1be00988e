import type { Endpoints, KubeObject, Node, Pod, PodPhase, Service } from '../../orchestrator/api/types.js';

/** Small builders for unit tests of the pure UI functions. */

export function node(name: string, ready: 'True' | 'False' | 'Unknown' | null = 'True', extra: Partial<Node> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      conditions: ready ? [{ type: 'Ready', status: ready }] : [],
      addresses: [{ type: 'InternalIP', address: `10.0.0.${name.length}` }],
    },
    ...extra,
  };
}

export interface PodOpts {
  ns?: string;
  nodeName?: string;
  phase?: PodPhase;
  labels?: Record<string, string>;
  ip?: string;
  waiting?: string;
  deleting?: boolean;
  ready?: boolean;
  restarts?: number;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: { containers: [{ name: 'main', image: 'local/busybox:1' }], ...(o.nodeName ? { nodeName: o.nodeName } : {}) },
    status: {
      phase: o.phase ?? 'Pending',
      ...(o.ip ? { podIP: o.ip } : {}),
      containerStatuses: [
        {
          name: 'main',
          ready: o.ready ?? o.phase === 'Running',
          restartCount: o.restarts ?? 0,
          image: 'local/busybox:1',
          imageID: '',
          state: o.waiting ? { waiting: { reason: o.waiting } } : o.phase === 'Running' ? { running: {} } : {},
          lastState: {},
        },
      ],
    },
  };
}

export function service(name: string, selector: Record<string, string> | undefined, ns = 'default'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ...(selector ? { selector } : {}), ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.96.0.10' },
  };
}

export function endpoints(name: string, ready: { ip: string; pod?: string }[], notReady: { ip: string; pod?: string }[] = [], ns = 'default'): Endpoints {
  const addr = (a: { ip: string; pod?: string }) => ({ ip: a.ip, ...(a.pod ? { targetRef: { kind: 'Pod', name: a.pod, namespace: ns } } : {}) });
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: ns },
    subsets: [{ addresses: ready.map(addr), notReadyAddresses: notReady.map(addr), ports: [{ port: 80 }] }],
  };
}

/** Objects keyed as the store keys them. */
/** A networking.k8s.io/v1 Ingress routing `host` + path to each `[path, service]`; `address` as the ingress controller sets it. */
export function ingress(name: string, rules: { host?: string; paths: [string, string][] }[], o: { ns?: string; address?: string; tls?: string[]; className?: string; defaultService?: string } = {}): KubeObject {
  const backend = (svc: string) => ({ service: { name: svc, port: { number: 80 } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: o.ns ?? 'default' },
    spec: {
      ...(o.className ? { ingressClassName: o.className } : {}),
      ...(o.defaultService ? { defaultBackend: backend(o.defaultService) } : {}),
      ...(o.tls ? { tls: [{ hosts: o.tls }] } : {}),
      rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths.map(([path, svc]) => ({ path, pathType: 'Prefix', backend: backend(svc) })) } })),
    },
    ...(o.address ? { status: { loadBalancer: { ingress: [{ ip: o.address }] } } } : {}),
  } as KubeObject;
}

export function byKey<T extends { metadata: { name?: string; namespace?: string } }>(...objs: T[]): Record<string, T> {
  return Object.fromEntries(objs.map((o) => [o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? ''), o]));
}
