/** The user's choices on the canvas that are not cluster state: which cards they folded. */
export interface CanvasSlice {
  /** By card id: true collapsed, false expanded; absent: the default for its size. */
  collapsed: Readonly<Record<string, boolean>>;
  setCardCollapsed(id: string, collapsed: boolean): void;
}

export function canvasSlice(set: (p: Partial<CanvasSlice>) => void, get: () => CanvasSlice): CanvasSlice {
  return {
    collapsed: {},
    setCardCollapsed: (id, c) => set({ collapsed: { ...get().collapsed, [id]: c } }),
  };
}
