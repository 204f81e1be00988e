import type { Pod, Service } from '../../api/types.js';

/**
 * The Service environment variables the kubelet gives every container (Docker-links style):
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORT>` and `<NAME>_PORT...`
 * for each Service with a cluster IP in the pod's namespace (unless `enableServiceLinks: false`),
 * and always `KUBERNETES_SERVICE_HOST/PORT` from `default/kubernetes`, so in-cluster clients find
 * the API. Services are read when the container is created, as Kubernetes does: a Service made later
 * is not in the environment of a container already running.
 */
export function serviceEnv(pod: Pod, services: readonly Service[]): string[] {
  const ns = pod.metadata.namespace ?? 'default';
  const links = (pod.spec as { enableServiceLinks?: boolean }).enableServiceLinks !== false;
  const chosen = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata.name ?? '';
    if (s.metadata.namespace === ns && links) chosen.set(name, s);
  }
  // The API's Service reaches every namespace, unless the namespace has its own `kubernetes`.
  const master = services.find((s) => s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes' && hasClusterIP(s));
  if (master && !chosen.has('kubernetes')) chosen.set('kubernetes', master);
  const out: string[] = [];
  for (const name of [...chosen.keys()].sort()) out.push(...varsOf(chosen.get(name) as Service));
  return out;
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec.clusterIP;
  return !!ip && ip !== 'None' && s.spec.type !== 'ExternalName';
}

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

function varsOf(s: Service): string[] {
  const ip = s.spec.clusterIP as string;
  const ports = s.spec.ports ?? [];
  const first = ports[0];
  if (!first) return [];
  const n = envName(s.metadata.name ?? '');
  const out = [`${n}_SERVICE_HOST=${ip}`, `${n}_SERVICE_PORT=${first.port}`];
  for (const p of ports) if (p.name) out.push(`${n}_SERVICE_PORT_${envName(p.name)}=${p.port}`);
  const proto = (p: { protocol?: string }) => (p.protocol ?? 'TCP').toLowerCase();
  out.push(`${n}_PORT=${proto(first)}://${ip}:${first.port}`);
  for (const p of ports) {
    const k = `${n}_PORT_${p.port}_${(p.protocol ?? 'TCP').toUpperCase()}`;
    out.push(`${k}=${proto(p)}://${ip}:${p.port}`, `${k}_PROTO=${proto(p)}`, `${k}_PORT=${p.port}`, `${k}_ADDR=${ip}`);
  }
  return out;
}

/** The container's environment with the Service variables first; a variable the container sets itself wins. */
export function withServiceEnv(service: readonly string[] | undefined, container: readonly string[]): string[] {
  if (!service?.length) return [...container];
  const own = new Set(container.map((e) => e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('='))));
  return [...service.filter((e) => !own.has(e.slice(0, e.indexOf('=')))), ...container];
}
