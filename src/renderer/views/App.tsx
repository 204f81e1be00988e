import { ReactFlowProvider } from '@xyflow/react';
import { useApp } from '../store/context.js';
import { connectionState } from '../store/selectors.js';
import { AddHostDialog } from './AddHostDialog.js';
import { CommandPalette } from './CommandPalette.js';
import { HostsPanel } from './HostsPanel.js';
import { KeyboardShortcuts } from './KeyboardShortcuts.js';
import { NoticeBar } from './NoticeBar.js';
import { OfflineBanner } from './OfflineBanner.js';
import { ResourceDialogs } from './resources/ResourceDialogs.js';
import { ResourcesView } from './resources/ResourcesView.js';
import { SidePanel } from './SidePanel.js';
import { PortForwards } from './portforward/PortForwards.js';
import { WorkloadLogsDock } from './logs/WorkloadLogs.js';
import { TerminalDock } from './terminal/TerminalDock.js';
import { TopBar } from './TopBar.js';
import { TopologyView } from './TopologyView.js';

/** The window: top bar; hosts list, canvas and details side by side; dialogs over them. */
export function App({ clusterName }: { clusterName: string }) {
  const dialog = useApp((s) => s.dialog);
  const hostsOpen = useApp((s) => s.hostsOpen);
  const view = useApp((s) => s.view);
  const offline = useApp((s) => connectionState(s) === 'offline');
  return (
    <div className={`app${offline ? ' is-offline' : ''}`}>
      <TopBar clusterName={clusterName} />
      <OfflineBanner />
      <main className="main">
        {hostsOpen && <HostsPanel />}
        {view === 'resources' ? (
          <ResourcesView />
        ) : (
          <ReactFlowProvider>
            <TopologyView />
          </ReactFlowProvider>
        )}
        <SidePanel />
      </main>
      <WorkloadLogsDock />
      <TerminalDock />
      <NoticeBar />
      {dialog?.type === 'addHost' && <AddHostDialog key={dialog.edit ?? ''} {...(dialog.edit ? { edit: dialog.edit } : {})} />}
      <PortForwards />
      <ResourceDialogs />
      <KeyboardShortcuts />
      <CommandPalette />
    </div>
  );
}
