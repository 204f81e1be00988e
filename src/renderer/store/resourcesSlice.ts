import type { StoreApi } from 'zustand/vanilla';
import { RESOURCES } from '../../orchestrator/api/resources.js';
import type { KubeObject } from '../../orchestrator/api/types.js';
import type { ApiKind } from '../api/discovery.js';
import type { AppState } from './slices.js';

/** An object anywhere in the API, by where it lives (enough to GET it). */
export interface ObjectRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  namespace?: string;
  name: string;
}

/** The dialogs the resource views open (one at a time, over the app). */
export type ResourceDialog =
  | { type: 'yaml'; ref: ObjectRef; edit: boolean }
  | { type: 'create'; template?: string }
  | { type: 'scale'; ref: ObjectRef }
  | { type: 'rollback'; ref: ObjectRef }
  | { type: 'delete'; ref: ObjectRef }
  | { type: 'drain'; node: string }
  | { type: 'evict'; ref: ObjectRef }
  | { type: 'metadata'; ref: ObjectRef; field: 'labels' | 'annotations' };

export type MainView = 'canvas' | 'resources';

/** The resource browser's state: what is shown and how it is filtered. */
export interface ResourcesSlice {
  view: MainView;
  /** The namespace the tables and the canvas show; null for all. */
  namespace: string | null;
  /** Namespace names, from their watch. */
  namespaces: readonly string[];
  /** The kinds the server serves (discovery); the built-in table until discovery answers. */
  kinds: readonly ApiKind[];
  kindsFromServer: boolean;
  /** `kindKey` of the kind the browser shows. */
  browseKind: string;
  labelSelector: string;
  nameFilter: string;
  resourceDialog: ResourceDialog | null;
  /** Bumped after an action, so open details refetch at once instead of at their next poll. */
  refreshTick: number;
  /** The object the details panel last read for a kind the app does not watch (commands act on it). */
  detailObject: { ref: ObjectRef; object: KubeObject } | null;
  setView(v: MainView): void;
  setNamespace(ns: string | null): void;
  setNamespaces(ns: readonly string[]): void;
  setKinds(kinds: readonly ApiKind[]): void;
  browse(kindKey: string): void;
  setLabelSelector(s: string): void;
  setNameFilter(s: string): void;
  openResourceDialog(d: ResourceDialog | null): void;
  refresh(): void;
  setDetailObject(d: { ref: ObjectRef; object: KubeObject } | null): void;
}

/** The built-in table, as kinds: what the UI knows before discovery answers. */
export function builtinKinds(): ApiKind[] {
  return RESOURCES.map((r) => ({
    group: r.group,
    version: r.version,
    kind: r.kind,
    resource: r.resource,
    namespaced: r.namespaced,
    verbs: r.verbs,
    shortNames: r.shortNames,
    subresources: r.subresources,
  }));
}

type Set = StoreApi<AppState>['setState'];

export const resourcesSlice = (set: Set): ResourcesSlice => ({
  view: 'canvas',
  namespace: null,
  namespaces: [],
  kinds: builtinKinds(),
  kindsFromServer: false,
  browseKind: '/pods',
  labelSelector: '',
  nameFilter: '',
  resourceDialog: null,
  refreshTick: 0,
  detailObject: null,
  setView: (view) => set({ view }),
  setNamespace: (namespace) => set({ namespace }),
  setNamespaces: (namespaces) => set({ namespaces }),
  setKinds: (kinds) => set({ kinds, kindsFromServer: true }),
  browse: (browseKind) => set({ browseKind, view: 'resources', nameFilter: '', labelSelector: '' }),
  setLabelSelector: (labelSelector) => set({ labelSelector }),
  setNameFilter: (nameFilter) => set({ nameFilter }),
  openResourceDialog: (resourceDialog) => set({ resourceDialog }),
  refresh: () => set((s) => ({ refreshTick: s.refreshTick + 1 })),
  setDetailObject: (detailObject) => set({ detailObject }),
});
