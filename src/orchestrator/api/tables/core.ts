import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatLabels, int, list, listWithMore, o, since, str, type Printer } from './common.js';

function nodeRoles(labels: Record<string, unknown>): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && typeof v === 'string' && v) roles.add(v);
  }
  return [...roles].sort();
}

function nodeAddress(status: Record<string, unknown>, type: string): string {
  return str(list(status.addresses).find((a) => a.type === type)?.address) || '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE_COLUMN,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
  ],
  row(node, now) {
    const status = o(node.status);
    const info = o(status.nodeInfo);
    const ready = list(status.conditions).find((c) => c.type === 'Ready');
    const states = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
    if (o(node.spec).unschedulable === true) states.push('SchedulingDisabled');
    const roles = nodeRoles(o(node.metadata.labels)).join(',') || '<none>';
    return {
      cells: [
        node.metadata.name,
        states.join(','),
        roles,
        age(node, now),
        str(info.kubeletVersion),
        nodeAddress(status, 'InternalIP'),
        nodeAddress(status, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
};

function externalIP(svc: KubeObject): string {
  const spec = o(svc.spec);
  const external = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = list(o(o(o(svc.status).loadBalancer)).ingress)
        .map((i) => str(i.ip) || str(i.hostname))
        .filter(Boolean);
      const all = [...lb, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

function portString(ports: unknown): string {
  const s = list(ports)
    .map((p) => {
      const proto = str(p.protocol, 'TCP');
      return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${proto}` : `${int(p.port)}/${proto}`;
    })
    .join(',');
  return s || '<none>';
}

export const servicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
  ],
  row(svc, now) {
    const spec = o(svc.spec);
    const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
    const clusterIP = str(ips[0]) || str(spec.clusterIP) || '<none>';
    return { cells: [svc.metadata.name, str(spec.type, 'ClusterIP'), clusterIP, externalIP(svc), portString(spec.ports), age(svc, now), formatLabels(spec.selector)] };
  },
};

export const endpointsPrinter: Printer = {
  columns: [NAME_COLUMN, col('Endpoints', 'Endpoints of the service'), AGE_COLUMN],
  row(ep, now) {
    const items: string[] = [];
    for (const ss of list(ep.subsets)) {
      const addrs = list(ss.addresses).map((a) => str(a.ip));
      const ports = list(ss.ports);
      if (ports.length === 0) items.push(...addrs);
      for (const p of ports) for (const ip of addrs) items.push(ip.includes(':') ? `[${ip}]:${int(p.port)}` : `${ip}:${int(p.port)}`);
    }
    return { cells: [ep.metadata.name, listWithMore(items, 3, '<none>'), age(ep, now)] };
  },
};

export const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', { priority: 1 }),
    col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    col('Count', 'The number of times this event has occurred.', { priority: 1 }),
    { ...NAME_COLUMN, priority: 1 },
  ],
  row(ev, now) {
    const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
    const series = o(ev.series);
    let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
    let count = int(ev.count);
    if (ev.series) {
      last = since(series.lastObservedTime, now);
      count = int(series.count);
    } else if (count === 0) count = 1;
    const io = o(ev.involvedObject);
    const kind = str(io.kind).toLowerCase();
    const target = str(io.name) ? `${kind}/${str(io.name)}` : kind;
    const source = o(ev.source);
    const component = str(source.component) || str(ev.reportingComponent);
    const host = str(source.host) || str(ev.reportingInstance);
    const src = component ? (host ? `${component}, ${host}` : component) : '<unknown>';
    return {
      cells: [last, str(ev.type), str(ev.reason), target, str(io.fieldPath), src, str(ev.message).trim(), first, count, ev.metadata.name],
    };
  },
};

export const namespacePrinter: Printer = {
  columns: [NAME_COLUMN, col('Status', 'The status of the namespace'), AGE_COLUMN],
  row: (ns, now) => ({ cells: [ns.metadata.name, str(o(ns.status).phase), age(ns, now)] }),
};

export const configMapPrinter: Printer = {
  columns: [NAME_COLUMN, col('Data', 'Data contains the configuration data.', { type: 'integer' }), AGE_COLUMN],
  row: (cm, now) => ({ cells: [cm.metadata.name, Object.keys(o(cm.data)).length + Object.keys(o(cm.binaryData)).length, age(cm, now)] }),
};

export const secretPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Type', 'The type of the secret'),
    col('Data', 'The number of data entries in the secret', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row: (s, now) => ({ cells: [s.metadata.name, str(s.type), Object.keys(o(s.data)).length, age(s, now)] }),
};

export const serviceAccountPrinter: Printer = {
  columns: [NAME_COLUMN, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', { type: 'integer' }), AGE_COLUMN],
  row: (sa, now) => ({ cells: [sa.metadata.name, list(sa.secrets).length, age(sa, now)] }),
};

/** ResourceQuotas: `resource: used/hard` for each limited resource, limits.* in LIMIT, the rest in REQUEST (printResourceQuota). */
export const resourceQuotaPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row(q, now) {
    const status = o(q.status);
    const hard = o(status.hard);
    const used = o(status.used);
    const request: string[] = [];
    const limit: string[] = [];
    for (const k of Object.keys(hard).sort()) {
      const cell = `${k}: ${str(used[k]) || '0'}/${str(hard[k])}`;
      (k.split('.')[0] === 'limits' && k.includes('.') ? limit : request).push(cell);
    }
    return { cells: [q.metadata.name, age(q, now), request.join(', '), limit.join(', ')] };
  },
};
