import '@xyflow/react/dist/style.css';
import './styles.css';
import './theme.css';
import { createRef, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { KubeApi } from './api/client.js';
import { createAppStore } from './store/appStore.js';
import { ServicesContext, type AppServices } from './store/context.js';
import { startMetricsSync } from './store/metricsSync.js';
import { startResourcesSync } from './store/resourcesSync.js';
import { startSync } from './store/sync.js';
import { App } from './views/App.js';
import { FileInput } from './views/FileInput.js';

// Composition root: one store, one API client, one set of watches for the page's lifetime.
const store = createAppStore();
const api = new KubeApi();
const fileInput = createRef<HTMLInputElement>();
const services: AppServices = { store, api, openFilePicker: () => fileInput.current?.click() };
const stop = startSync(api, store, window.location.origin);
const stopResources = startResourcesSync(api, store, window.location.origin);
const stopMetrics = startMetricsSync(api, store);
window.addEventListener('pagehide', () => {
  stop();
  stopResources();
  stopMetrics();
});

const clusterName = document.querySelector<HTMLMetaElement>('meta[name="skiff-cluster-name"]')?.content || 'local';
document.title = `Skiff · ${clusterName}`;

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <ServicesContext.Provider value={services}>
      <App clusterName={clusterName} />
      <FileInput inputRef={fileInput} />
    </ServicesContext.Provider>
  </StrictMode>,
);
