import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { COMMANDS } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { useApp, useServices } from '../store/context.js';

/** Ctrl+K (Cmd+K): type to filter the commands that apply now, Enter runs one. */
export function CommandPalette() {
  const open = useApp((s) => s.paletteOpen);
  const ctx = useServices();

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        ctx.store.getState().setPaletteOpen(!ctx.store.getState().paletteOpen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ctx.store]);

  if (!open) return null;
  return <PaletteBody />;
}

function PaletteBody() {
  const ctx = useServices();
  const selection = useApp((s) => s.selection);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const close = () => ctx.store.getState().setPaletteOpen(false);

  const items = useMemo(() => {
    const q = query.trim().toLowerCase();
    return COMMANDS.filter((c) => c.enabled(ctx))
      .map((c) => ({ cmd: c, detail: c.detail?.(ctx) }))
      .filter(({ cmd, detail }) => !q || `${cmd.label} ${detail ?? ''}`.toLowerCase().includes(q));
    // `selection` changes what is enabled.
  }, [query, ctx, selection]);

  const run = (i: number) => {
    const item = items[i];
    if (!item) return;
    close();
    void runCommand(item.cmd, ctx);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(items.length - 1, a + 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter') run(active);
    else if (e.key === 'Escape') close();
    else return;
    e.preventDefault();
  };

  return (
    <div className="backdrop palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="palette" role="dialog" aria-label="Command palette" data-testid="command-palette">
        <input
          autoFocus
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          placeholder="Type a command…"
          data-testid="command-palette-input"
        />
        <ul>
          {items.map(({ cmd, detail }, i) => (
            <li key={cmd.id}>
              <button className={i === active ? 'is-active' : ''} onMouseEnter={() => setActive(i)} onClick={() => run(i)} data-testid={`command-${cmd.id}`}>
                <span>{cmd.label}</span>
                {detail && <span className="muted small">{detail}</span>}
              </button>
            </li>
          ))}
          {items.length === 0 && <li className="muted small palette-empty">No matching command</li>}
        </ul>
      </div>
    </div>
  );
}
