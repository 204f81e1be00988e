import { terminalTitle, type TerminalTarget } from '../api/channel.js';

/** One terminal tab: its own session, kept while the tab exists (hidden tabs keep running). */
export interface TerminalTab {
  id: string;
  target: TerminalTarget;
  title: string;
}

/** The terminal dock: tabs in opening order, the one shown, and whether the dock is visible. */
export interface TerminalSlice {
  terminals: readonly TerminalTab[];
  activeTerminal: string | null;
  terminalDockOpen: boolean;
  /** Opens a new tab (a second shell into the same container is a second tab) and shows it. */
  openTerminal(target: TerminalTarget): string;
  closeTerminal(id: string): void;
  showTerminal(id: string): void;
  setTerminalDockOpen(open: boolean): void;
}

let seq = 0;

export function terminalSlice(set: (p: Partial<TerminalSlice>) => void, get: () => TerminalSlice): TerminalSlice {
  return {
    terminals: [],
    activeTerminal: null,
    terminalDockOpen: false,
    openTerminal(target) {
      const id = `term-${++seq}`;
      const base = terminalTitle(target);
      const same = get().terminals.filter((t) => t.title === base || t.title.startsWith(`${base} (`)).length;
      const title = same === 0 ? base : `${base} (${same + 1})`;
      set({ terminals: [...get().terminals, { id, target, title }], activeTerminal: id, terminalDockOpen: true });
      return id;
    },
    closeTerminal(id) {
      const list = get().terminals;
      const i = list.findIndex((t) => t.id === id);
      if (i < 0) return;
      const rest = list.filter((t) => t.id !== id);
      const active = get().activeTerminal === id ? (rest[Math.min(i, rest.length - 1)]?.id ?? null) : get().activeTerminal;
      set({ terminals: rest, activeTerminal: active, terminalDockOpen: rest.length > 0 && get().terminalDockOpen });
    },
    showTerminal: (id) => set({ activeTerminal: id, terminalDockOpen: true }),
    setTerminalDockOpen: (open) => set({ terminalDockOpen: open }),
  };
}
