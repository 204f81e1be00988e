/** SSH provisioning of worker hosts: the Host controller and the Host resource's shape. */
export { startHostController, type HostControllerDeps } from './hostController.js';
export { HOST_FINALIZER, type Host, type HostSpec, type HostStatus, type HostStep, type HostPhase } from './types.js';
export { agentPaths, DEFAULT_TUNNEL_PORT, KUBELET_PORT } from './agentFiles.js';
export { DEFAULT_TIMING, type Timing } from './context.js';
export { scanHostKey, type ScannedHostKey } from './hostKeyScan.js';
