import type { StatusCause } from '../../orchestrator/api/types.js';
import type { ApplyDocResult } from '../api/manifests.js';
import type { WatchState } from '../api/watch.js';
import type { XY } from '../graph/layout.js';
import type { WatchOp } from './applyOps.js';
import type { ClusterObjects, WatchedKind } from './kinds.js';
import type { LogBuffer, LogStreamState } from './logBuffer.js';
import type { PortForwardSlice } from './portForwardSlice.js';
import type { CanvasSlice } from './canvasSlice.js';
import type { TerminalSlice } from './terminalSlice.js';
import type { WorkloadLogSlice } from './workloadLogSlice.js';
import type { ObjectRef, ResourcesSlice } from './resourcesSlice.js';
import type { MetricsSlice } from './metricsSlice.js';

/** Cluster objects as the watches report them. */
export interface ClusterSlice {
  cluster: ClusterObjects;
  /** Object count per kind, kept with each batch so counters need not scan. */
  counts: Record<WatchedKind, number>;
  /** True once a kind's first list arrived. */
  synced: Record<WatchedKind, boolean>;
  applyOps(ops: readonly WatchOp[]): void;
}

export interface ConnectionSlice {
  watchStates: Record<WatchedKind, WatchState>;
  lastWatchError?: string;
  serverVersion?: string;
  setWatchState(kind: WatchedKind, state: WatchState, error?: string): void;
  setServerVersion(v: string | undefined): void;
}

/** What the side panel shows. Keys are `namespace/name`; nodes and hosts by name. */
export type Selection =
  | { type: 'pod'; key: string }
  | { type: 'node'; name: string }
  | { type: 'service'; key: string }
  | { type: 'host'; name: string }
  /** Any other object (the resource browser's details). */
  | { type: 'object'; ref: ObjectRef };

export interface SelectionSlice {
  selection: Selection | null;
  select(s: Selection | null): void;
}

export type { XY };

export interface DropState {
  /** Files being applied; results fill in as each document finishes. */
  files: string[];
  total: number;
  results: ApplyDocResult[];
  running: boolean;
}

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  causes?: StatusCause[];
}

/** `edit`: the name of a host to change (and retry) instead of adding one. */
export type Dialog = { type: 'addHost'; edit?: string } | null;

export interface UiSlice {
  dialog: Dialog;
  hostsOpen: boolean;
  paletteOpen: boolean;
  drop: DropState | null;
  notice: Notice | null;
  /** Positions the user dragged groups and services to, by flow node id; layout fills the rest. */
  positions: Readonly<Record<string, XY>>;
  openDialog(d: Dialog): void;
  setHostsOpen(open: boolean): void;
  setPaletteOpen(open: boolean): void;
  setDrop(d: DropState | null): void;
  addDropResult(r: ApplyDocResult): void;
  notify(n: Notice | null): void;
  setPosition(id: string, p: XY): void;
  resetPositions(): void;
}

/** Log buffers by `namespace/pod/container`; only open views have one. */
export interface LogSlice {
  logs: Readonly<Record<string, LogBuffer>>;
  appendLogs(key: string, lines: readonly string[]): void;
  setLogState(key: string, state: LogStreamState, error?: string): void;
  clearLogs(key: string): void;
}

export type AppState = ClusterSlice & ConnectionSlice & SelectionSlice & UiSlice & LogSlice & TerminalSlice & PortForwardSlice & WorkloadLogSlice & CanvasSlice & ResourcesSlice & MetricsSlice;
