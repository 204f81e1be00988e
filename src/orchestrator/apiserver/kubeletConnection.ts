import type { Duplex } from 'node:stream';
import { errors } from '../api/errors.js';
import type { KubeObject, Node } from '../api/types.js';
import type { NodeDialer } from '../client/nodeDialer.js';
import type { Registry } from './registry.js';

/** The kubelet API port when a Node does not say (`status.daemonEndpoints.kubeletEndpoint.Port`). */
export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletConnection {
  /** An open stream to the node's kubelet API (through SSH for a host, loopback for the local node). */
  socket: Duplex;
  /** The node's token, which the kubelet API takes as its bearer. */
  token: string;
}

/**
 * Opens a connection to the kubelet API of `nodeName`, for logs, exec, attach and port-forward:
 * the port the Node advertises, the node's token, and the node dialer. An unreachable node is a 503
 * whose message names `purpose`.
 */
export async function connectToKubelet(registry: Registry, dialer: NodeDialer, nodeName: string, purpose: string): Promise<KubeletConnection> {
  const node = await registry.get<Node>('nodes', undefined, nodeName);
  const port = (node.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined)?.daemonEndpoints?.kubeletEndpoint?.Port ?? DEFAULT_KUBELET_PORT;
  const secret = await registry.get<KubeObject & { data?: Record<string, string> }>('secrets', 'kube-system', `skiff-node-${nodeName}`);
  const token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
  try {
    return { socket: await dialer.dial(nodeName, port), token };
  } catch (e) {
    throw errors.unavailable(`cannot reach node ${nodeName}${purpose ? ` for ${purpose}` : ''}: ${(e as Error).message}`);
  }
}
