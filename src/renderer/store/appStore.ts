import { createStore, type StoreApi } from 'zustand/vanilla';
import { applyWatchOps } from './applyOps.js';
import { emptyCluster, perKind } from './kinds.js';
import { appendBounded, emptyLog } from './logBuffer.js';
import { portForwardSlice } from './portForwardSlice.js';
import { canvasSlice } from './canvasSlice.js';
import { terminalSlice } from './terminalSlice.js';
import { workloadLogSlice } from './workloadLogSlice.js';
import { resourcesSlice } from './resourcesSlice.js';
import { metricsSlice } from './metricsSlice.js';
import type { AppState, ClusterSlice, ConnectionSlice, LogSlice, SelectionSlice, UiSlice } from './slices.js';

export type AppStore = StoreApi<AppState>;
type Set = StoreApi<AppState>['setState'];
type Get = StoreApi<AppState>['getState'];

const clusterSlice = (set: Set, get: Get): ClusterSlice => ({
  cluster: emptyCluster(),
  counts: perKind(0),
  synced: perKind(false),
  applyOps(ops) {
    const { cluster, counts, synced } = get();
    const applied = applyWatchOps(cluster, ops);
    // A first list marks its kind synced even when it changed nothing (an empty cluster).
    const firstLists = ops.filter((o) => o.type === 'reset' && !synced[o.kind]);
    if (applied.changed.length === 0 && firstLists.length === 0) return;
    const nextCounts = { ...counts };
    for (const k of applied.changed) nextCounts[k] = Object.keys(applied.cluster[k]).length;
    const nextSynced = firstLists.length === 0 ? synced : { ...synced, ...Object.fromEntries(firstLists.map((o) => [o.kind, true])) };
    set({ cluster: applied.cluster, counts: nextCounts, synced: nextSynced });
  },
});

const connectionSlice = (set: Set, get: Get): ConnectionSlice => ({
  watchStates: perKind('connecting'),
  setWatchState(kind, state, error) {
    if (get().watchStates[kind] === state && error === undefined) return;
    set({ watchStates: { ...get().watchStates, [kind]: state }, ...(error !== undefined ? { lastWatchError: error } : {}) });
  },
  setServerVersion: (serverVersion) => set({ serverVersion }),
});

const selectionSlice = (set: Set): SelectionSlice => ({
  selection: null,
  select: (selection) => set({ selection }),
});

const uiSlice = (set: Set, get: Get): UiSlice => ({
  dialog: null,
  hostsOpen: false,
  paletteOpen: false,
  drop: null,
  notice: null,
  positions: {},
  openDialog: (dialog) => set({ dialog }),
  setHostsOpen: (hostsOpen) => set({ hostsOpen }),
  setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
  setDrop: (drop) => set({ drop }),
  addDropResult(r) {
    const d = get().drop;
    if (d) set({ drop: { ...d, results: [...d.results, r] } });
  },
  notify: (notice) => set({ notice }),
  setPosition: (id, p) => set({ positions: { ...get().positions, [id]: p } }),
  resetPositions: () => set({ positions: {} }),
});

const logSlice = (set: Set, get: Get): LogSlice => ({
  logs: {},
  appendLogs(key, lines) {
    const cur = get().logs[key] ?? emptyLog;
    set({ logs: { ...get().logs, [key]: { ...appendBounded(cur, lines), state: 'streaming' } } });
  },
  setLogState(key, state, error) {
    const cur = get().logs[key] ?? emptyLog;
    set({ logs: { ...get().logs, [key]: { ...cur, state, error } } });
  },
  clearLogs(key) {
    const { [key]: _gone, ...rest } = get().logs;
    set({ logs: rest });
  },
});

/** The one store of the app, built from its slices. */
export function createAppStore(): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...clusterSlice(set, get),
    ...connectionSlice(set, get),
    ...selectionSlice(set),
    ...uiSlice(set, get),
    ...logSlice(set, get),
    ...terminalSlice(set, get),
    ...portForwardSlice(set, get),
    ...workloadLogSlice(set),
    ...canvasSlice(set, get),
    ...resourcesSlice(set),
    ...metricsSlice(set, get),
  }));
}
