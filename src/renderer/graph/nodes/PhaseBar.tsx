import type { PhaseCounts } from '../types.js';

const ORDER = ['running', 'pending', 'failed', 'terminating', 'succeeded', 'unknown'] as const;

/** Pods by state as a proportional bar and counts: what a card says instead of drawing each pod. */
export function PhaseBar({ phases, total }: { phases: PhaseCounts; total: number }) {
  if (total === 0) return <div className="phase-bar phase-empty" />;
  return (
    <div className="phase-bar" aria-hidden>
      {ORDER.map((t) => (phases[t] > 0 ? <span key={t} className={`phase-seg tone-bg-${t}`} style={{ flexGrow: phases[t] }} /> : null))}
    </div>
  );
}

/** `3 running · 1 pending`: the non-zero counts, most important first. */
export function phaseText(phases: PhaseCounts): string {
  return ORDER.filter((t) => phases[t] > 0)
    .map((t) => `${phases[t]} ${t}`)
    .join(' · ');
}
