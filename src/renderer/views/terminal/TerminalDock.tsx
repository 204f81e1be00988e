import '@xterm/xterm/css/xterm.css';
import './terminal.css';
import { useApp, useServices } from '../../store/context.js';
import { LazyTerminalPane as TerminalPane } from './LazyTerminalPane.js';

/** The dock under the canvas with one tab per terminal (container shells and host shells). */
export function TerminalDock() {
  const tabs = useApp((s) => s.terminals);
  const active = useApp((s) => s.activeTerminal);
  const open = useApp((s) => s.terminalDockOpen);
  const { store } = useServices();
  if (tabs.length === 0) return null;
  const st = store.getState();
  return (
    <section className={`terminal-dock${open ? '' : ' is-collapsed'}`} data-testid="terminal-dock" aria-label="Terminals">
      <div className="terminal-tabs" role="tablist">
        {tabs.map((t) => (
          <div key={t.id} className={`terminal-tab${t.id === active ? ' is-active' : ''}`} role="presentation">
            <button role="tab" aria-selected={t.id === active} onClick={() => st.showTerminal(t.id)} data-testid="terminal-tab" data-title={t.title} title={t.title}>
              {t.target.kind === 'host' ? '⌂ ' : '›_ '}
              {t.title}
            </button>
            <button className="icon-btn" aria-label={`Close ${t.title}`} onClick={() => st.closeTerminal(t.id)} data-testid="terminal-tab-close">
              ✕
            </button>
          </div>
        ))}
        <span className="spacer" />
        <span className="muted small terminal-hint">Ctrl+Shift+C copy · Ctrl+Shift+V paste</span>
        <button className="icon-btn" onClick={() => st.setTerminalDockOpen(!open)} aria-label={open ? 'Hide terminals' : 'Show terminals'} data-testid="terminal-dock-toggle">
          {open ? '▾' : '▴'}
        </button>
      </div>
      <div className="terminal-body" style={{ display: open ? 'flex' : 'none' }}>
        {tabs.map((t) => (
          <TerminalPane key={t.id} tab={t} visible={open && t.id === active} />
        ))}
      </div>
    </section>
  );
}
