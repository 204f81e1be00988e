import { lazy, Suspense } from 'react';
import type { TerminalTab } from '../../store/terminalSlice.js';

// xterm.js is only needed once a terminal opens: loaded then, not before the canvas's first paint.
const Pane = lazy(() => import('./TerminalPane.js').then((m) => ({ default: m.TerminalPane })));

/** A terminal tab's pane, with xterm.js loaded on first use. */
export function LazyTerminalPane(props: { tab: TerminalTab; visible: boolean }) {
  return (
    <Suspense fallback={<div className="terminal-pane" style={{ display: props.visible ? "flex" : "none" }} aria-busy="true" />}>
      <Pane {...props} />
    </Suspense>
  );
}
