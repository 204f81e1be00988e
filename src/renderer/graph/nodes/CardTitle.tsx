import type { MouseEventHandler } from 'react';

/**
 * A card's title: its full name and, when its kind's names share a prefix or suffix, its distinctive
 * short form (graph/shortNames.ts), which replaces the name when zoomed far out (canvas.css, levels 2
 * and 3), where the large title has room for a few characters only. The tooltip keeps the full name.
 */
export function CardTitle({ name, short, title, className, onClick }: { name: string; short?: string | undefined; title: string; className?: string; onClick?: MouseEventHandler }) {
  return (
    <span className={`card-title${short ? ' has-short' : ''}${className ? ` ${className}` : ''}`} title={title} onClick={onClick}>
      <span className="title-full">{name}</span>
      {short && (
        <span className="title-short" aria-hidden>
          {short}
        </span>
      )}
    </span>
  );
}
