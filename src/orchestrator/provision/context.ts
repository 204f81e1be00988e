import type { HostShells } from '../client/hostShells.js';
import type { NodeDialers } from '../client/nodeDialer.js';
import type { Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { NormalizedHostSpec } from './spec.js';
import type { HostSession, SshConnector } from './ssh.js';
import type { StatusReporter } from './status.js';
import type { Host } from './types.js';

/** Timeouts and retry pacing; tests shorten them. */
export interface Timing {
  /** The whole SSH handshake (TCP connect, key exchange, authentication). */
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Unanswered keepalives before the connection is declared dead. */
  keepaliveCountMax: number;
  /** How long the agent has to register its Node and report Ready through the tunnel. */
  nodeReadyTimeoutMs: number;
  /**
   * How long each provisioning step may wait on the host (its commands, uploads and the tunnel
   * request), on top of the waits it makes by design (the handshake's `connectTimeoutMs`, the
   * agent's `agentStartCheckMs`, the node's `nodeReadyTimeoutMs`). A step that runs out fails the
   * run with the step's name, its connection is dropped, and the host is retried with back-off:
   * a connection cut off without a word (a partition, a sleep) cannot hold a run until keepalives
   * give up on it.
   */
  stepTimeoutMs: number;
  pollMs: number;
  /** After starting the agent, how long it must stay up before it counts as started. */
  agentStartCheckMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Deletion gives up reaching an unreachable host after this many attempts, then removes the API objects anyway. */
  removalAttempts: number;
  /**
   * When the controller's own 1 s tick comes this late, the machine was asleep (or the process
   * frozen): every connection is checked at once and the dead ones reconnected, rather than waiting
   * for SSH keepalives to give up on them.
   */
  wakeAfterMs: number;
}

export const DEFAULT_TIMING: Timing = {
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  nodeReadyTimeoutMs: 90_000,
  // Room for the agent bundle (a few MB) over a slow link; a LAN needs a second or two.
  stepTimeoutMs: 60_000,
  pollMs: 500,
  agentStartCheckMs: 1_500,
  retryBaseMs: 2_000,
  retryMaxMs: 120_000,
  removalAttempts: 3,
  wakeAfterMs: 10_000,
};

/** What the host controller is given (see `startHostController`). */
export interface ProvisionEnv {
  client: Client;
  clock: Clock;
  log: Logger;
  /** Each provisioned host registers a dialer for its node here (SSH direct-tcpip to its loopback). */
  dialers: NodeDialers;
  /** Each connected host registers its shell here (`hosts/NAME/shell`, for the UI's host terminal). */
  shells?: HostShells;
  /** The bundled agent (dist/agent/skiff-agent.js) pushed to every host. */
  agentBundlePath: string;
  /** The API server's port on the control plane's 127.0.0.1; the tunnel leads there. */
  apiPort: number;
  /** The CA the agent trusts for the API server's certificate. */
  caPem: string;
  /** The node's bearer token (created on first call, the same one afterwards). */
  issueNodeToken(nodeName: string): Promise<string>;
  /** The port the tunnel listens on at each host's 127.0.0.1. */
  tunnelPort: number;
  timing: Timing;
  env: NodeJS.ProcessEnv;
  /** Opens SSH sessions; `SshSession.connect` unless a unit test stands in for the hosts. */
  sshConnect?: SshConnector;
}

/** State one provisioning run builds up, step by step. */
export interface ProvisionCtx {
  env: ProvisionEnv;
  host: Host;
  name: string;
  spec: NormalizedHostSpec;
  report: StatusReporter;
  signal: AbortSignal;
  /** True until the host has reached Ready once: only then may a failure undo the Node. */
  firstTime: boolean;
  session?: HostSession;
  nodeName?: string;
  nodePath?: string;
  systemd?: boolean;
  filesChanged?: boolean;
  /** Set once the agent step ran: a later failure on a first provisioning stops the agent and deletes the Node. */
  reachedAgent?: boolean;
  /** When the tunnel opened: the Node must heartbeat after it to count as Ready. */
  tunnelAt?: number;
  dialer?: { dispose(): void };
}

export function throwIfAborted(ctx: ProvisionCtx): void {
  if (ctx.signal.aborted) throw new Error(`provisioning of ${ctx.name} was cancelled`);
}

/** Sleeps on the injected clock; rejects early when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const onAbort = () => {
      cancel();
      reject(new Error('cancelled'));
    };
    const cancel = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
