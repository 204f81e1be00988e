import type { Condition, KubeObject } from '../api/types.js';

/** The finalizer that makes deleting a Host stop its agent and remove its containers first. */
export const HOST_FINALIZER = 'skiff.dev/host-cleanup';

/** Where the app reaches a worker over SSH. At least one credential: a key Secret or the ssh-agent. */
export interface HostSpec {
  address: string;
  /** Default 22. */
  port?: number;
  user: string;
  /** A Secret whose `data['ssh-privatekey']` (base64) holds an unencrypted OpenSSH or PEM private key. */
  privateKeySecretRef?: { namespace: string; name: string };
  /** Authenticate with the keys of the ssh-agent at the control plane's SSH_AUTH_SOCK. */
  useAgent?: boolean;
  /** Expected host key (`SHA256:…`); without it the first key seen is pinned in status.pinnedHostKey. */
  hostKeyFingerprint?: string;
}

export type HostPhase = 'Pending' | 'Connecting' | 'Provisioning' | 'Ready' | 'Failed' | 'Removing';
export type StepState = 'pending' | 'running' | 'done' | 'failed';

/** One provisioning (or removal) step as the UI streams it. */
export interface HostStep {
  name: string;
  title: string;
  state: StepState;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface HostStatus {
  phase?: HostPhase;
  /** The Node this host runs: its hostname, lowercased. Set once detected. */
  nodeName?: string;
  /** The host key fingerprint trusted on first use; a different key is refused. */
  pinnedHostKey?: string;
  message?: string;
  steps?: HostStep[];
  /** `Connected` (SSH session up), `Provisioned` (reached Ready once), `Ready` (agent's Node Ready). */
  conditions?: Condition[];
  observedGeneration?: number;
  /** What detection found, for the UI. */
  nodeVersion?: string;
  dockerVersion?: string;
  agentMode?: 'systemd' | 'process';
}

/** `skiff.dev/v1alpha1` Host: cluster-scoped; the host controller reconciles it into a running agent and a Ready Node. */
export interface Host extends KubeObject {
  kind: 'Host';
  spec: HostSpec;
  status?: HostStatus;
}
