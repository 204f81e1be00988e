import type { ReactNode } from 'react';

/** A two-column list of facts; rows with an empty value are left out. */
export function KeyValues({ rows }: { rows: readonly [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return (
    <dl className="kv">
      {shown.map(([k, v]) => (
        <div className="kv-row" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Labels({ labels, testId }: { labels: Readonly<Record<string, string>> | undefined; testId?: string }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <div className="muted">none</div>;
  return (
    <div className="labels" data-testid={testId}>
      {entries.map(([k, v]) => (
        <span className="label-chip" key={k}>
          {k}={v}
        </span>
      ))}
    </div>
  );
}

export function Section({ title, children, right }: { title: string; children: ReactNode; right?: ReactNode }) {
  return (
    <section className="section">
      <div className="section-head">
        <h3>{title}</h3>
        {right}
      </div>
      {children}
    </section>
  );
}
