import type { Pod } from '../../api/types.js';
import { FITS, SKIP, type Plugin } from '../framework.js';

const KEY = 'NodePorts';

interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** The host ports a pod asks for (containers' `ports[].hostPort`), as kube-scheduler reads them. */
export function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ ip: (p as { hostIP?: string }).hostIP || '0.0.0.0', protocol: p.protocol ?? 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** Two host ports clash on the same port and protocol when either binds every address or both bind the same. */
function clash(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === '0.0.0.0' || b.ip === '0.0.0.0' || a.ip === b.ip);
}

/** kube-scheduler's NodePorts: a node whose pods already hold a host port the pod wants is out. */
export const nodePorts: Plugin = {
  name: 'NodePorts',
  preFilter(state, pod) {
    const want = hostPorts(pod);
    state.write(KEY, want);
    return want.length === 0 ? SKIP : undefined;
  },
  filter(state, _pod, node) {
    const want = state.read<HostPort[]>(KEY) ?? [];
    if (want.length === 0) return FITS;
    for (const other of node.pods) {
      for (const used of hostPorts(other)) if (want.some((w) => clash(w, used))) return ["node(s) didn't have free ports for the requested pod ports"];
    }
    return FITS;
  },
};
