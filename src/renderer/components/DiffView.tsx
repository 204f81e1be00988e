import type { DiffHunk } from '../views/yaml/diff.js';

/** A unified diff, coloured: what is removed in red, what is added in green. */
export function DiffView({ hunks, testId, empty }: { hunks: readonly DiffHunk[]; testId?: string; empty?: string }) {
  if (hunks.length === 0) return <div className="muted diff-empty" data-testid={testId}>{empty ?? 'No differences'}</div>;
  return (
    <pre className="diff" data-testid={testId}>
      {hunks.map((h, i) => (
        <div key={i}>
          <div className="diff-hunk">{h.header}</div>
          {h.lines.map((l, j) => (
            <div key={j} className={l.type === '+' ? 'diff-add' : l.type === '-' ? 'diff-del' : 'diff-ctx'}>
              {l.type}
              {l.text}
            </div>
          ))}
        </div>
      ))}
    </pre>
  );
}
