import { describe, expect, it } from 'vitest';
import { createAppStore } from './appStore.js';

describe('terminal tabs', () => {
  it('opens several tabs, numbers repeats, and shows a neighbour when the shown one closes', () => {
    const s = createAppStore();
    const a = s.getState().openTerminal({ kind: 'pod', namespace: 'default', pod: 'web-1', container: 'web' });
    const b = s.getState().openTerminal({ kind: 'pod', namespace: 'default', pod: 'web-1', container: 'web' });
    const c = s.getState().openTerminal({ kind: 'host', host: 'h1' });
    expect(s.getState().terminals.map((t) => t.title)).toEqual(['web-1/web', 'web-1/web (2)', 'host h1']);
    expect(s.getState().activeTerminal).toBe(c);
    s.getState().showTerminal(b);
    s.getState().closeTerminal(b);
    expect(s.getState().activeTerminal).toBe(c);
    s.getState().closeTerminal(c);
    expect(s.getState().activeTerminal).toBe(a);
    expect(s.getState().terminalDockOpen).toBe(true);
    s.getState().closeTerminal(a);
    expect(s.getState()).toMatchObject({ terminals: [], activeTerminal: null, terminalDockOpen: false });
  });
});
