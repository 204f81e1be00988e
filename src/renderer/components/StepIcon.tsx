import type { HostStepState } from '../api/hosts.js';

/** Spinner while running, check when done, cross when failed, hollow dot while waiting. */
export function StepIcon({ state }: { state: HostStepState }) {
  if (state === 'running') return <span className="spinner" role="status" aria-label="running" />;
  if (state === 'done') return <span className="step-icon step-done" aria-label="done">✓</span>;
  if (state === 'failed') return <span className="step-icon step-failed" aria-label="failed">✕</span>;
  return <span className="step-icon step-pending" aria-label="pending">○</span>;
}
