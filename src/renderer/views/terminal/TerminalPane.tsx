import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'react';
import { TerminalSession, terminalUrl, type SessionState } from '../../api/channel.js';
import type { TerminalTab } from '../../store/terminalSlice.js';

const THEME = { background: '#0b0f14', foreground: '#e6edf3', cursor: '#e6edf3', selectionBackground: '#264f78' };

/**
 * One tab's terminal: xterm.js wired to a channel WebSocket session. Sized to its box (fit addon, on
 * every box resize), the size sent as the pty's. Ctrl+Shift+C copies the selection, Ctrl+Shift+V
 * pastes (plain Ctrl+V pastes too, as the browser delivers it). Mounted while the tab exists, so a
 * hidden tab's shell keeps running.
 */
export function TerminalPane({ tab, visible }: { tab: TerminalTab; visible: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const fitRef = useRef<(() => void) | null>(null);
  const [state, setState] = useState<{ s: SessionState; detail?: string }>({ s: 'connecting' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new Terminal({ fontFamily: 'ui-monospace, Menlo, Consolas, monospace', fontSize: 13, cursorBlink: true, scrollback: 5000, theme: THEME });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const fitNow = () => {
      if (el.offsetWidth === 0 || el.offsetHeight === 0) return;
      try {
        fit.fit();
      } catch {
        return;
      }
      session.resize(term.cols, term.rows);
    };
    fitRef.current = fitNow;
    const dims = fit.proposeDimensions();
    const size = dims && dims.cols > 0 && dims.rows > 0 ? { cols: dims.cols, rows: dims.rows } : undefined;
    const ws = new WebSocket(terminalUrl(window.location.origin, tab.target, size), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    const session = new TerminalSession(ws, {
      output: (d) => term.write(d),
      state: (s, detail) => {
        setState({ s, detail });
        if (s === 'exited' || s === 'failed') term.write(`\r\n\x1b[2m[${s === 'exited' ? `session ${detail ?? 'ended'}` : `disconnected: ${detail ?? ''}`}]\x1b[0m\r\n`);
      },
    });
    const typed = term.onData((d) => session.input(d));
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      const k = e.key.toLowerCase();
      if (k === 'c' && term.hasSelection()) {
        void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
        return false;
      }
      if (k === 'v') {
        void navigator.clipboard?.readText().then((t) => term.paste(t), () => undefined);
        return false;
      }
      return true;
    });
    const ro = new ResizeObserver(() => fitNow());
    ro.observe(el);
    fitNow();
    term.focus();
    return () => {
      ro.disconnect();
      typed.dispose();
      session.close();
      term.dispose();
      fitRef.current = null;
    };
  }, [tab.target, attempt]);

  useEffect(() => {
    if (visible) fitRef.current?.();
  }, [visible]);

  const over = state.s === 'exited' || state.s === 'failed';
  return (
    <div className="terminal-pane" style={{ display: visible ? 'flex' : 'none' }} data-testid="terminal-pane" data-title={tab.title} data-state={state.s}>
      <div className="terminal-box" ref={box} />
      {over && (
        <div className="terminal-over">
          <span className="muted small">{state.s === 'exited' ? `Session ${state.detail ?? 'ended'}` : `Disconnected: ${state.detail ?? ''}`}</span>
          <button className="btn btn-small" onClick={() => setAttempt((a) => a + 1)} data-testid="terminal-reconnect">
            Reconnect
          </button>
        </div>
      )}
    </div>
  );
}
