import type { KubeObject, StatusCause } from '../types.js';
import { asArr, asNum, asObj, asStr, duplicate, each, enumOf, forbidden, invalid, required, type Obj } from './causes.js';
import { dns1123Label, dns1123Subdomain, isCIDR, isIP, labelValue, portName, portNumber, qualifiedName } from './names.js';
import { PROTOCOLS } from './pod.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

export function validateService(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes: StatusCause[] = [];
  const type = asStr(spec.type) ?? 'ClusterIP';
  causes.push(...enumOf('spec.type', spec.type, SERVICE_TYPES));
  causes.push(...enumOf('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  const clusterIP = asStr(spec.clusterIP);
  const headless = clusterIP === 'None';
  if (clusterIP && !headless && !isIP(clusterIP)) causes.push(invalid('spec.clusterIP', clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  if (type === 'ExternalName') {
    const en = asStr(spec.externalName);
    if (!en) causes.push(required('spec.externalName'));
    else causes.push(...each('spec.externalName', en, dns1123Subdomain(en.replace(/\.$/, ''))));
    if (clusterIP && clusterIP !== '') causes.push(forbidden('spec.clusterIP', "may not be set for 'ExternalName' services"));
  }
  const ports = asArr(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') causes.push(required('spec.ports'));
  const names = new Set<string>();
  const seen = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((raw, i) => {
    const p = asObj(raw);
    const at = `spec.ports[${i}]`;
    if (!p) return;
    const name = asStr(p.name);
    if (ports.length > 1 && !name) causes.push(required(`${at}.name`));
    if (name) {
      causes.push(...each(`${at}.name`, name, dns1123Label(name)));
      if (names.has(name)) causes.push(duplicate(`${at}.name`, name));
      names.add(name);
    }
    const port = asNum(p.port);
    if (port !== undefined) causes.push(...portNumber(port).map((m) => invalid(`${at}.port`, port, m)));
    causes.push(...enumOf(`${at}.protocol`, p.protocol, PROTOCOLS));
    const tp = p.targetPort;
    if (typeof tp === 'number') causes.push(...portNumber(tp).map((m) => invalid(`${at}.targetPort`, tp, m)));
    else if (typeof tp === 'string') causes.push(...portName(tp).map((m) => invalid(`${at}.targetPort`, tp, m)));
    const np = asNum(p.nodePort);
    if (np !== undefined && np !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName') causes.push(forbidden(`${at}.nodePort`, `may not be used when \`type\` is '${type}'`));
      else if (np < NODE_PORT_RANGE.min || np > NODE_PORT_RANGE.max) {
        causes.push(invalid(`${at}.nodePort`, np, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      }
      // One node port may serve TCP and UDP, not one protocol twice (kube-apiserver keys on both).
      const npKey = `${np}/${String(p.protocol ?? 'TCP')}`;
      if (nodePorts.has(npKey)) causes.push(duplicate(`${at}.nodePort`, np));
      nodePorts.add(npKey);
    }
    const key = `${port}/${String(p.protocol ?? 'TCP')}`;
    if (port !== undefined && seen.has(key)) causes.push(duplicate(at, { port, protocol: p.protocol ?? 'TCP' }));
    seen.add(key);
  });
  const sel = asObj(spec.selector);
  if (sel) {
    for (const [k, v] of Object.entries(sel)) {
      causes.push(...each('spec.selector', k, qualifiedName(k)));
      if (typeof v === 'string') causes.push(...each('spec.selector', v, labelValue(v)));
    }
  }
  for (const f of ['externalTrafficPolicy', 'internalTrafficPolicy']) causes.push(...enumOf(`spec.${f}`, spec[f], ['Cluster', 'Local']));
  causes.push(...sourceRanges(spec, type));
  return causes;
}

/**
 * kube-apiserver's check of `loadBalancerSourceRanges`, field path spelled as it spells it
 * (`spec.LoadBalancerSourceRanges`, a historical accident kept for compatibility): only on a
 * LoadBalancer, each a CIDR (space padding allowed).
 */
function sourceRanges(spec: Obj, type: string): StatusCause[] {
  const ranges = asArr(spec.loadBalancerSourceRanges);
  if (ranges.length === 0) return [];
  const at = 'spec.LoadBalancerSourceRanges';
  const causes: StatusCause[] = [];
  if (type !== 'LoadBalancer') causes.push(forbidden(at, "may only be used when `type` is 'LoadBalancer'"));
  ranges.forEach((r, i) => {
    if (typeof r !== 'string' || !isCIDR(r.trim())) causes.push(invalid(`${at}[${i}]`, r, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  return causes;
}

function validateEndpointPorts(ports: unknown[], path: string, causes: StatusCause[]): void {
  ports.forEach((raw, i) => {
    const p = asObj(raw);
    if (!p) return;
    const port = asNum(p.port);
    if (port !== undefined) causes.push(...portNumber(port).map((m) => invalid(`${path}[${i}].port`, port, m)));
    causes.push(...enumOf(`${path}[${i}].protocol`, p.protocol, PROTOCOLS));
  });
}

export function validateEndpoints(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  asArr(obj.subsets).forEach((raw, i) => {
    const s = asObj(raw);
    if (!s) return;
    for (const list of ['addresses', 'notReadyAddresses']) {
      asArr(s[list]).forEach((a, j) => {
        const ip = asStr(asObj(a)?.ip);
        if (ip && !isIP(ip)) causes.push(invalid(`subsets[${i}].${list}[${j}].ip`, ip, 'must be a valid IP address'));
      });
    }
    validateEndpointPorts(asArr(s.ports), `subsets[${i}].ports`, causes);
  });
  return causes;
}

export function validateEndpointSlice(obj: KubeObject): StatusCause[] {
  const causes = enumOf('addressType', obj.addressType, ['FQDN', 'IPv4', 'IPv6']);
  asArr(obj.endpoints).forEach((raw, i) => {
    const addrs = asArr(asObj(raw)?.addresses);
    if (addrs.length === 0) causes.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${addrs.length}: must have at most 100 items`, field: `endpoints[${i}].addresses` });
  });
  validateEndpointPorts(asArr(obj.ports), 'ports', causes);
  return causes;
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const svc = asObj(b.service);
  if (svc && b.resource) causes.push(invalid(path, '', 'cannot set both resource and service backends'));
  else if (!svc && !b.resource) causes.push(invalid(path, '', 'resource or service backend is required'));
  if (svc) {
    const port = asObj(svc.port);
    const hasName = typeof port?.name === 'string' && port.name !== '';
    const hasNumber = typeof port?.number === 'number' && port.number !== 0;
    if (hasName && hasNumber) causes.push(invalid(`${path}.service.port`, port, 'cannot set both port name & port number'));
    else if (!hasName && !hasNumber) causes.push(invalid(`${path}.service.port`, port ?? {}, 'port name or number is required'));
    if (hasNumber) causes.push(...portNumber(port?.number as number).map((m) => invalid(`${path}.service.port.number`, port?.number, m)));
  }
  return causes;
}

export function validateIngress(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes: StatusCause[] = [];
  const rules = asArr(spec.rules);
  const def = asObj(spec.defaultBackend);
  if (!def && rules.length === 0) causes.push(invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified'));
  if (def) causes.push(...validateBackend(def, 'spec.defaultBackend'));
  rules.forEach((raw, i) => {
    const rule = asObj(raw);
    if (!rule) return;
    const host = asStr(rule.host);
    if (host) causes.push(...each(`spec.rules[${i}].host`, host, dns1123Subdomain(host.replace(/^\*\./, 'wildcard.'))));
    asArr(asObj(rule.http)?.paths).forEach((rp, j) => {
      const p = asObj(rp);
      const at = `spec.rules[${i}].http.paths[${j}]`;
      if (!p) return;
      if (p.pathType === undefined) causes.push(required(`${at}.pathType`, 'pathType must be specified'));
      else causes.push(...enumOf(`${at}.pathType`, p.pathType, PATH_TYPES));
      causes.push(...ingressPath(`${at}.path`, p.path, p.pathType));
      const be = asObj(p.backend);
      if (be) causes.push(...validateBackend(be, `${at}.backend`));
    });
  });
  return causes;
}

/** Kubernetes' validateIngressHTTPPath: an absolute path, and for Exact/Prefix none of the sequences that would route around it. */
function ingressPath(at: string, raw: unknown, pathType: unknown): StatusCause[] {
  const path = asStr(raw) ?? '';
  if (pathType === 'Exact' || pathType === 'Prefix') {
    // Every problem is reported, as kube-apiserver does.
    const causes: StatusCause[] = [];
    if (!path.startsWith('/')) causes.push(invalid(at, path, 'must be an absolute path'));
    if (path === '') return causes;
    for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (path.includes(bad)) causes.push(invalid(at, path, `must not contain '${bad}'`));
    for (const bad of ['/..', '/.']) if (path.endsWith(bad)) causes.push(invalid(at, path, `cannot end with '${bad}'`));
    return causes;
  }
  if (pathType === 'ImplementationSpecific' && path !== '' && !path.startsWith('/')) return [invalid(at, path, 'must be an absolute path')];
  return [];
}

/** networking/v1 IngressClass: a controller name (a domain-prefixed path, at most 250 characters). */
export function validateIngressClass(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const controller = asStr(spec.controller);
  if (!controller) return [required('spec.controller')];
  const causes: StatusCause[] = [];
  if (controller.length > 250) causes.push(invalid('spec.controller', controller, 'must be no more than 250 characters'));
  const slash = controller.indexOf('/');
  if (slash <= 0) causes.push(invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  else causes.push(...each('spec.controller', controller, dns1123Subdomain(controller.slice(0, slash))));
  return causes;
}
