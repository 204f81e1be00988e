import { homedir } from 'node:os';
import { join } from 'node:path';
import { RESOURCES } from '../orchestrator/api/resources.js';
import { DEFAULT_CLUSTER_NETWORK, DEFAULT_WIREGUARD_PORT, parseNetworkList, validateClusterNetwork, type ClusterNetwork } from '../orchestrator/api/clusterNetwork.js';
import type { ControlPlaneOptions } from '../orchestrator/controlPlane.js';

export interface AppConfig {
  cp: ControlPlaneOptions;
  uiPort: number;
}

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds, got "${value}"`);
  return n * 1000;
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

/** Comma-separated resource names (plural, as in URLs), each one the API serves. */
function resources(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const list = value.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of list) {
    if (!RESOURCES.some((t) => t.resource === r)) throw new Error(`${name}: "${r}" is not a resource Skiff serves (use plural names, as in URLs: secrets,configmaps)`);
  }
  return list;
}

/** An image reference, as a pod's `image` takes it: one word, no spaces. */
function image(name: string, value: string): string {
  const v = value.trim();
  if (!v || /\s/.test(v)) throw new Error(`${name} must be an image reference such as busybox:1.36, got "${value}"`);
  return v;
}

/**
 * Settings from the environment (README lists them): SKIFF_HOME, SKIFF_API_PORT, SKIFF_API_HOST,
 * SKIFF_UI_PORT, SKIFF_LOCAL_NODE, SKIFF_KUBELET_PORT, SKIFF_NODE_GRACE_SECONDS,
 * SKIFF_EVICTION_SECONDS, SKIFF_EVENT_TTL_SECONDS, SKIFF_ENCRYPT_RESOURCES, SKIFF_CLUSTER_CIDR, SKIFF_SERVICE_CIDR, SKIFF_POD_NETWORK_BACKEND,
 * SKIFF_INGRESS_HTTP_PORT, SKIFF_INGRESS_HTTPS_PORT, SKIFF_WIREGUARD_PORT, SKIFF_TRUSTED_NETWORKS,
 * SKIFF_METRICS_RESOLUTION_SECONDS, SKIFF_STORAGE_HELPER_IMAGE.
 * The network ranges are checked (and refused when they overlap) when the control plane starts.
 */
export function configFromEnv(env: NodeJS.ProcessEnv, distDir: string, defaultUiPort: number): AppConfig {
  const local = env.SKIFF_LOCAL_NODE ?? 'auto';
  if (local !== 'auto' && local !== 'on' && local !== 'off') throw new Error(`SKIFF_LOCAL_NODE must be auto, on or off, got "${local}"`);
  return {
    cp: {
      home: env.SKIFF_HOME || join(homedir(), '.skiff'),
      apiPort: port('SKIFF_API_PORT', env.SKIFF_API_PORT, 6443),
      apiHost: env.SKIFF_API_HOST || '127.0.0.1',
      localNode: local,
      kubeletPort: port('SKIFF_KUBELET_PORT', env.SKIFF_KUBELET_PORT, 10250),
      agentBundlePath: join(distDir, 'agent', 'skiff-agent.js'),
      eventTtlMs: seconds('SKIFF_EVENT_TTL_SECONDS', env.SKIFF_EVENT_TTL_SECONDS),
      encryptResources: resources('SKIFF_ENCRYPT_RESOURCES', env.SKIFF_ENCRYPT_RESOURCES),
      network: validateClusterNetwork({
        clusterCIDR: env.SKIFF_CLUSTER_CIDR || DEFAULT_CLUSTER_NETWORK.clusterCIDR,
        serviceCIDR: env.SKIFF_SERVICE_CIDR || DEFAULT_CLUSTER_NETWORK.serviceCIDR,
        nodeMaskSize: DEFAULT_CLUSTER_NETWORK.nodeMaskSize,
        backend: (env.SKIFF_POD_NETWORK_BACKEND || DEFAULT_CLUSTER_NETWORK.backend) as ClusterNetwork['backend'],
        ingressHttpPort: port('SKIFF_INGRESS_HTTP_PORT', env.SKIFF_INGRESS_HTTP_PORT, 80),
        ingressHttpsPort: port('SKIFF_INGRESS_HTTPS_PORT', env.SKIFF_INGRESS_HTTPS_PORT, 443),
        wireguardPort: port('SKIFF_WIREGUARD_PORT', env.SKIFF_WIREGUARD_PORT, DEFAULT_WIREGUARD_PORT),
        ...(env.SKIFF_TRUSTED_NETWORKS !== undefined ? { trustedNetworks: parseNetworkList(env.SKIFF_TRUSTED_NETWORKS) } : {}),
      }),
      ...(env.SKIFF_METRICS_RESOLUTION_SECONDS ? { metricsResolutionMs: seconds('SKIFF_METRICS_RESOLUTION_SECONDS', env.SKIFF_METRICS_RESOLUTION_SECONDS) } : {}),
      controllers: {
        nodeLifecycle: {
          gracePeriodMs: seconds('SKIFF_NODE_GRACE_SECONDS', env.SKIFF_NODE_GRACE_SECONDS),
          evictionTimeoutMs: seconds('SKIFF_EVICTION_SECONDS', env.SKIFF_EVICTION_SECONDS),
        },
        ...(env.SKIFF_STORAGE_HELPER_IMAGE !== undefined ? { localPath: { helperImage: image('SKIFF_STORAGE_HELPER_IMAGE', env.SKIFF_STORAGE_HELPER_IMAGE) } } : {}),
      },
    },
    uiPort: port('SKIFF_UI_PORT', env.SKIFF_UI_PORT, defaultUiPort),
  };
}
