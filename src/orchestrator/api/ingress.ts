import type { KubeObject, Service, ServicePort } from './types.js';

/**
 * The built-in ingress controller's shared rules (pure): which Ingresses it serves, the default
 * IngressClass the control plane creates, and how a backend names a Service port. The agent's
 * route table, the control plane's ingress status controller and the Node authorizer's graph all
 * decide "is this Ingress ours" here, so they never disagree.
 */

/** The IngressClass the control plane creates at start (k3s ships `traefik` the same way). */
export const SKIFF_INGRESS_CLASS = 'skiff';
/** `spec.controller` of the classes the built-in controller serves. */
export const SKIFF_INGRESS_CONTROLLER = 'skiff.io/ingress';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The deprecated annotation older manifests still carry; it wins over a missing `ingressClassName`, as in ingress-nginx. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface IngressServiceBackend {
  name: string;
  port?: { name?: string; number?: number };
}
export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: { apiGroup?: string; kind: string; name: string };
}
export type IngressPathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';
export interface HTTPIngressPath {
  path?: string;
  pathType: IngressPathType;
  backend: IngressBackend;
}
export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}
export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}
export interface Ingress extends KubeObject {
  spec?: { ingressClassName?: string; defaultBackend?: IngressBackend; rules?: IngressRule[]; tls?: IngressTLS[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ports?: unknown[] }[] } };
}
export interface IngressClass extends KubeObject {
  spec?: { controller?: string; parameters?: unknown };
}

/** The IngressClass `skiff`, the cluster's default. */
export function defaultIngressClass(): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: SKIFF_INGRESS_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' }, labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
    spec: { controller: SKIFF_INGRESS_CONTROLLER },
  };
}

/**
 * True when the built-in controller serves `ing`: its class (`spec.ingressClassName`, else the
 * legacy annotation) is an IngressClass whose controller is `skiff.io/ingress`; with no class at
 * all, when the cluster's default class (the newest one annotated default, as the admission
 * plugin picks) is ours. A class name nobody defines is left alone (another controller may come).
 */
export function servesIngress(ing: Ingress, classes: readonly IngressClass[]): boolean {
  const named = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (named) return classes.some((c) => c.metadata.name === named && c.spec?.controller === SKIFF_INGRESS_CONTROLLER);
  const def = defaultClass(classes);
  return def?.spec?.controller === SKIFF_INGRESS_CONTROLLER;
}

/** The default IngressClass: of those annotated default, the most recently created (the admission plugin's choice). */
export function defaultClass(classes: readonly IngressClass[]): IngressClass | undefined {
  const defs = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  defs.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return defs[0];
}

/** Every backend an Ingress names, with where it is (for messages). */
export function ingressBackends(ing: Ingress): { at: string; backend: IngressBackend }[] {
  const out: { at: string; backend: IngressBackend }[] = [];
  if (ing.spec?.defaultBackend) out.push({ at: 'spec.defaultBackend', backend: ing.spec.defaultBackend });
  (ing.spec?.rules ?? []).forEach((r, i) => (r.http?.paths ?? []).forEach((p, j) => out.push({ at: `spec.rules[${i}].http.paths[${j}].backend`, backend: p.backend })));
  return out;
}

/** The Secrets an Ingress's TLS section names (in its namespace). */
export function ingressTlsSecrets(ing: Ingress): string[] {
  return [...new Set((ing.spec?.tls ?? []).map((t) => t.secretName).filter((s): s is string => !!s))];
}

export type BackendResolution = { ok: true; service: Service; port: ServicePort } | { ok: false; reason: 'ServiceNotFound' | 'PortNotFound' | 'ResourceBackend'; message: string };

/** The Service port a backend names (by port number or port name), or why there is none. */
export function resolveBackend(namespace: string, b: IngressBackend, services: readonly Service[]): BackendResolution {
  if (!b.service) return { ok: false, reason: 'ResourceBackend', message: `resource backends (${b.resource?.kind ?? '?'} ${b.resource?.name ?? '?'}) are not supported by the built-in controller` };
  const svc = services.find((s) => s.metadata.namespace === namespace && s.metadata.name === b.service?.name);
  if (!svc) return { ok: false, reason: 'ServiceNotFound', message: `Service ${namespace}/${b.service.name} does not exist` };
  const want = b.service.port;
  const ports = svc.spec.ports ?? [];
  const port = want?.name ? ports.find((p) => p.name === want.name) : ports.find((p) => p.port === want?.number);
  if (!port || (port.protocol ?? 'TCP') !== 'TCP') {
    const which = want?.name ? `named ${JSON.stringify(want.name)}` : `${want?.number ?? '?'}`;
    return { ok: false, reason: 'PortNotFound', message: `Service ${namespace}/${b.service.name} has no TCP port ${which}` };
  }
  return { ok: true, service: svc, port };
}
