import type { Client } from '../client/types.js';
import { isoTime, type Clock } from '../util/clock.js';
import { setCondition, type StepDef, updateStep, planSteps } from './plan.js';
import type { Host, HostPhase, HostStatus, StepState } from './types.js';

/**
 * Writes a Host's status as provisioning or removal goes, one write per change, so the UI streams
 * each step. Only the host controller writes Host status; a write replaces the whole status
 * (PUT /status without a resourceVersion), in the order the changes were made.
 */
export class StatusReporter {
  status: HostStatus;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly host: Host,
    private readonly clock: Clock,
  ) {
    this.status = structuredClone(host.status ?? {});
  }

  now(): string {
    return isoTime(this.clock.now());
  }

  /** Starts a run: every step of `defs` pending, the phase of the first. */
  begin(defs: readonly StepDef[], message: string): Promise<void> {
    return this.update((s) => {
      s.steps = planSteps(defs);
      s.phase = defs[0]?.phase ?? 'Pending';
      s.message = message;
      s.observedGeneration = this.host.metadata.generation;
    });
  }

  step(name: string, state: StepState, message?: string, phase?: HostPhase): Promise<void> {
    return this.update((s) => {
      s.steps = updateStep(s.steps ?? [], name, state, this.now(), message);
      if (phase) s.phase = phase;
    });
  }

  condition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string): Promise<void> {
    return this.update((s) => {
      s.conditions = setCondition(s.conditions, type, status, reason, message, this.now());
    });
  }

  /** Applies `mutate` and writes the result. Writes are serialized; a failed write rejects this call only. */
  update(mutate: (s: HostStatus) => void): Promise<void> {
    mutate(this.status);
    const snapshot = structuredClone(this.status);
    const write = this.chain.then(async () => {
      await this.client.updateStatus<Host>('hosts', {
        apiVersion: this.host.apiVersion,
        kind: 'Host',
        metadata: { name: this.host.metadata.name },
        spec: this.host.spec,
        status: snapshot,
      });
    });
    this.chain = write.catch(() => {});
    return write;
  }
}
