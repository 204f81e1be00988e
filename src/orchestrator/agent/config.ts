import { hostname } from 'node:os';

/**
 * The agent's configuration, as the JSON file passed with `--config` holds it (written by the
 * provisioner, or built in-process for the local node).
 */
export interface AgentConfig {
  /** The API server, e.g. `https://127.0.0.1:6443` (through the SSH reverse tunnel on a host). */
  server: string;
  /** This node's bearer token (Secret `kube-system/skiff-node-<nodeName>`). */
  token: string;
  /** PEM of the cluster CA the API server's certificate chains to. */
  ca: string;
  /** The Node's name: the host's hostname, lowercased. */
  nodeName: string;
  /** Port of the kubelet API on 127.0.0.1 (default 10250; 0 picks a free one). */
  kubeletPort: number;
  /** Where the agent keeps its pid file (default `/var/lib/skiff-agent`). */
  dataDir: string;
  /** Default `/var/run/docker.sock`. */
  dockerSocket: string;
  /** The node's InternalIP; default: the host's primary IPv4. */
  nodeIP?: string;
  /**
   * How the privileged host component runs (routes, packet filter): `auto` (default) in the agent's
   * process when it is root, else as a privileged container; `container` always as the container
   * (provisioned hosts); `process` only in-process (refused unless root).
   */
  hostNetwork?: 'auto' | 'process' | 'container';
  /** The agent bundle the host component's container runs; default: the running program's file. */
  bundlePath?: string;
  /**
   * Where the agent writes the files of Secret, ConfigMap, downward API and token volumes: a
   * memory file system, so secrets never reach the host's disk. Default `/dev/shm/skiff-<node>`.
   */
  memoryDir?: string;
  /**
   * Where cluster DNS forwards names that are not the cluster's (`ip` or `ip:port`, tried in
   * order). Default: the host's resolvers, from `/etc/resolv.conf` (dns/resolvConf.ts).
   */
  dnsUpstreams?: string[];
}

/** The agent's memory directory: the configured one, else `/dev/shm/skiff-<node>` (a tmpfs on every Linux). */
export function memoryDirOf(cfg: AgentConfig): string {
  return cfg.memoryDir ?? `/dev/shm/skiff-${cfg.nodeName}`;
}

/** Validates a parsed config file; throws an Error naming the first bad field. */
export function parseAgentConfig(raw: unknown): AgentConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('agent config: expected a JSON object');
  const o = raw as Record<string, unknown>;
  const str = (key: string, def?: string): string => {
    const v = o[key];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string' || !v) throw new Error(`agent config: "${key}" must be a non-empty string`);
    return v;
  };
  const server = str('server');
  try {
    const u = new URL(server);
    if (u.protocol !== 'https:') throw new Error('not https');
  } catch {
    throw new Error(`agent config: "server" must be an https:// URL, got ${JSON.stringify(server)}`);
  }
  const port = o.kubeletPort ?? 10250;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('agent config: "kubeletPort" must be an integer port (0-65535)');
  }
  const cfg: AgentConfig = {
    server,
    token: str('token'),
    ca: str('ca'),
    nodeName: str('nodeName', hostname().toLowerCase()).toLowerCase(),
    kubeletPort: port,
    dataDir: str('dataDir', '/var/lib/skiff-agent'),
    dockerSocket: str('dockerSocket', '/var/run/docker.sock'),
  };
  if (o.nodeIP !== undefined) cfg.nodeIP = str('nodeIP');
  if (o.memoryDir !== undefined) cfg.memoryDir = str('memoryDir');
  if (o.hostNetwork !== undefined) {
    if (o.hostNetwork !== 'auto' && o.hostNetwork !== 'process' && o.hostNetwork !== 'container') throw new Error('agent config: "hostNetwork" must be auto, process or container');
    cfg.hostNetwork = o.hostNetwork;
  }
  if (o.bundlePath !== undefined) cfg.bundlePath = str('bundlePath');
  if (o.dnsUpstreams !== undefined) {
    const ok = Array.isArray(o.dnsUpstreams) && o.dnsUpstreams.every((u) => typeof u === 'string' && /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+)(:\d{1,5})?$/.test(u));
    if (!ok) throw new Error('agent config: "dnsUpstreams" must be a list of addresses (`10.0.0.2` or `10.0.0.2:53`)');
    cfg.dnsUpstreams = o.dnsUpstreams as string[];
  }
  return cfg;
}
