import { useDeferredValue, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { COMMANDS } from '../commands/index.js';
import { runCommand } from '../commands/runCommand.js';
import { useApp, useServices } from '../store/context.js';
import { selectionFor } from './resources/open.js';
import { searchResources } from './resources/search.js';
import { useSearchIndex } from './resources/useSearchIndex.js';

/** Ctrl+K (Cmd+K): type to filter the commands that apply now and find resources by name; Enter runs or opens one. */
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

interface PaletteItem {
  key: string;
  label: string;
  detail?: string;
  testId: string;
  run(): void;
}

function PaletteBody() {
  const ctx = useServices();
  const selection = useApp((s) => s.selection);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const index = useSearchIndex();
  const deferred = useDeferredValue(query);
  const close = () => ctx.store.getState().setPaletteOpen(false);

  const commands = useMemo(() => {
    const q = query.trim().toLowerCase();
    return COMMANDS.filter((c) => c.enabled(ctx))
      .map((c) => ({ cmd: c, detail: c.detail?.(ctx) }))
      .filter(({ cmd, detail }) => !q || `${cmd.label} ${detail ?? ''}`.toLowerCase().includes(q));
    // `selection` changes what is enabled.
  }, [query, ctx, selection]);
  const found = useMemo(() => searchResources(index, deferred), [index, deferred]);

  const items: PaletteItem[] = [
    ...commands.map(({ cmd, detail }) => ({ key: `c:${cmd.id}`, label: cmd.label, ...(detail ? { detail } : {}), testId: `command-${cmd.id}`, run: () => void runCommand(cmd, ctx) })),
    ...found.map((ref) => ({
      key: `r:${ref.kind}/${ref.namespace ?? ''}/${ref.name}`,
      label: ref.name,
      detail: `${ref.kind}${ref.namespace ? ` · ${ref.namespace}` : ''}`,
      testId: `search-result-${ref.kind}-${ref.namespace ? `${ref.namespace}-` : ''}${ref.name}`,
      run: () => ctx.store.getState().select(selectionFor(ref)),
    })),
  ];

  const run = (i: number) => {
    const item = items[i];
    if (!item) return;
    close();
    item.run();
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
          placeholder="Type a command, or a resource's name…"
          aria-label="Command or resource"
          data-testid="command-palette-input"
        />
        <ul role="listbox">
          {items.map((it, i) => (
            <li key={it.key}>
              {i === commands.length && found.length > 0 && <div className="palette-section muted small">Resources</div>}
              <button className={i === active ? 'is-active' : ''} onMouseEnter={() => setActive(i)} onClick={() => run(i)} data-testid={it.testId}>
                <span>{it.label}</span>
                {it.detail && <span className="muted small">{it.detail}</span>}
              </button>
            </li>
          ))}
          {items.length === 0 && <li className="muted small palette-empty">No matching command or resource</li>}
        </ul>
      </div>
    </div>
  );
}
