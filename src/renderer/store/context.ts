import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { KubeApi } from '../api/client.js';
import type { AppStore } from './appStore.js';
import type { AppState } from './slices.js';

/** What every view reaches: the store and the API client. Provided once at the root. */
export interface AppServices {
  store: AppStore;
  api: KubeApi;
  /** Opens the file picker of "Deploy from file"; chosen files are applied. */
  openFilePicker(): void;
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing');
  return s;
}

/** Subscribes to one narrow slice of the store; re-renders only when the selected value changes. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useServices().store, selector);
}
