import type { Host } from '../api/hosts.js';
import { StepIcon } from '../components/StepIcon.js';

const PHASE_TONE: Record<string, string> = {
  Pending: 'pending',
  Connecting: 'pending',
  Provisioning: 'pending',
  Ready: 'running',
  Failed: 'failed',
  Removing: 'terminating',
};

/** A host's provisioning as it streams in: phase, pinned key, each step, and the outcome. */
export function HostProgress({ host, name }: { host: Host | undefined; name: string }) {
  const phase = host?.status?.phase ?? 'Pending';
  const steps = host?.status?.steps ?? [];
  const busy = phase === 'Pending' || phase === 'Connecting' || phase === 'Provisioning' || phase === 'Removing';
  return (
    <div className="host-progress" data-testid="host-progress">
      <div className="host-progress-head">
        {busy && <span className="spinner" />}
        <span className={`badge tone-bg-${PHASE_TONE[phase] ?? 'unknown'}`} data-testid="host-phase" data-phase={phase}>
          {phase}
        </span>
        <span className="muted">
          {host ? `${host.spec.user ?? 'root'}@${host.spec.address}:${host.spec.port ?? 22}` : `waiting for host ${name}…`}
        </span>
      </div>
      {host?.status?.pinnedHostKey && (
        <div className="fingerprint">
          <span className="muted small">{host.spec.hostKeyFingerprint === host.status.pinnedHostKey ? 'Host key (confirmed by you, pinned)' : 'Host key (pinned on first use)'}</span>
          <code data-testid="host-fingerprint">{host.status.pinnedHostKey}</code>
        </div>
      )}
      <ol className="steps" data-testid="host-steps">
        {steps.map((s) => (
          <li key={s.name} className={`step step-${s.state}`} data-testid={`host-step-${s.name}`} data-state={s.state}>
            <StepIcon state={s.state} />
            <div>
              <div className="step-name">{s.title || s.name}</div>
              {s.message && <div className={s.state === 'failed' ? 'error-text small' : 'muted small'}>{s.message}</div>}
            </div>
          </li>
        ))}
        {steps.length === 0 && <li className="muted small">Waiting for the provisioner to start…</li>}
      </ol>
      {phase === 'Ready' && (
        <div className="success-text" data-testid="host-ready">
          Ready{host?.status?.nodeName ? `: node ${host.status.nodeName} joined the cluster` : ''}
        </div>
      )}
      {phase === 'Failed' && (
        <div className="error-box" data-testid="host-error">
          {/* The failed step already shows its message; repeat only what it does not say. */}
          {host?.status?.message && !steps.some((s) => s.state === 'failed' && s.message === host.status?.message) ? host.status.message : 'Provisioning failed. Skiff retries with backoff: fix the host, or remove it under Hosts.'}
        </div>
      )}
      {phase !== 'Failed' && phase !== 'Ready' && host?.status?.message && <div className="muted small">{host.status.message}</div>}
    </div>
  );
}
