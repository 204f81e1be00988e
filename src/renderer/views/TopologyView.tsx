import { useCallback, useEffect, useMemo, useState, type DragEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useStore as useFlowStore,
  type NodeChange,
  type NodeMouseHandler,
} from '@xyflow/react';
import { applyFiles } from '../commands/deployFromFile.js';
import { derive } from '../graph/derive.js';
import { layout } from '../graph/layout.js';
import { nodeTypes } from '../graph/nodeTypes.js';
import { highlightEdges, place, reconcileEdges, reconcileNodes } from '../graph/place.js';
import { groupId, podId, serviceId, UNSCHEDULED_ID, type SkiffEdge, type SkiffNode } from '../graph/types.js';
import { useApp, useServices } from '../store/context.js';
import type { Selection } from '../store/slices.js';
import { AutoFit, structureKey } from './AutoFit.js';
import { RevealSelection } from './RevealSelection.js';
import { DropResults } from './DropResults.js';
import { EmptyCanvas } from './EmptyCanvas.js';

/** Above this many flow nodes the canvas renders only what is on screen, and drops the minimap. */
const VIRTUALIZE_ABOVE = 400;
const MINIMAP_UP_TO = 1500;
/** With more pods than this, zooming out below COMPACT_ZOOM draws pods as tiles (see GroupData.tiles). */
const COMPACT_ABOVE_PODS = 300;
const COMPACT_ZOOM = 0.7;

const EMPTY = { nodes: {}, pods: {}, services: {}, endpoints: {} };

function selectionId(s: Selection | null): string | undefined {
  if (!s) return undefined;
  if (s.type === 'pod') return podId(s.key);
  if (s.type === 'service') return serviceId(s.key);
  if (s.type === 'node') return groupId(s.name);
  return undefined;
}

function selectionOf(n: SkiffNode): Selection | null {
  if (n.type === 'pod') return { type: 'pod', key: n.data.key };
  if (n.type === 'service') return { type: 'service', key: n.data.key };
  if (n.id === UNSCHEDULED_ID || n.data.missing) return null;
  return { type: 'node', name: n.data.name };
}

/** The live topology: node groups with their pods, services with edges; drop manifests here. */
export function TopologyView() {
  const services = useServices();
  const nodesMap = useApp((s) => s.cluster.nodes);
  const pods = useApp((s) => s.cluster.pods);
  const svcs = useApp((s) => s.cluster.services);
  const endpoints = useApp((s) => s.cluster.endpoints);
  const overrides = useApp((s) => s.positions);
  const selectedId = useApp((s) => selectionId(s.selection));
  // Draw once nodes, pods and services are all listed, so the first fit sees the whole picture.
  const synced = useApp((s) => s.synced.nodes && s.synced.pods && s.synced.services);
  const podCount = useApp((s) => s.counts.pods);
  // Until the first fit the viewport is the identity, and a large cluster would be drawn in full
  // at zoom 1 just before the fit zooms far out: start compact instead.
  const zoomedOut = useFlowStore((s) => s.transform[2] < COMPACT_ZOOM || (s.transform[0] === 0 && s.transform[1] === 0 && s.transform[2] === 1));
  const many = podCount > COMPACT_ABOVE_PODS;
  const compact = many && zoomedOut;
  const [dragOver, setDragOver] = useState(false);

  const graph = useMemo(
    () => derive(synced ? { nodes: nodesMap, pods, services: svcs, endpoints } : EMPTY, { compact, groupEdges: many }),
    [synced, nodesMap, pods, svcs, endpoints, compact, many],
  );
  const lay = useMemo(() => layout(graph.nodes), [graph]);
  const placed = useMemo(() => place(graph.nodes, lay, overrides, selectedId), [graph, lay, overrides, selectedId]);
  const [nodes, setNodes] = useState<SkiffNode[]>([]);
  const [edges, setEdges] = useState<SkiffEdge[]>([]);
  useEffect(() => setNodes((prev) => reconcileNodes(prev, placed)), [placed]);
  useEffect(() => setEdges((prev) => reconcileEdges(prev, graph.edges)), [graph]);
  const shownEdges = useMemo(() => highlightEdges(edges, selectedId), [edges, selectedId]);

  const onNodesChange = useCallback(
    (changes: NodeChange<SkiffNode>[]) => {
      // Selection is the store's, not React Flow's; sizes are ours (place() sets `measured`), so
      // only drags matter here.
      const relevant = changes.filter((c) => c.type === 'position');
      if (relevant.length > 0) setNodes((prev) => applyNodeChanges(relevant, prev));
    },
    [],
  );

  const onNodeClick: NodeMouseHandler<SkiffNode> = useCallback((_e, n) => services.store.getState().select(selectionOf(n)), [services.store]);
  const onPaneClick = useCallback(() => services.store.getState().select(null), [services.store]);
  const onNodeDragStop = useCallback(
    (_e: unknown, n: SkiffNode) => {
      if (!n.parentId) services.store.getState().setPosition(n.id, n.position);
    },
    [services.store],
  );

  const onDrop = useCallback(
    (e: DragEvent<HTMLDivElement>) => {
      e.preventDefault();
      setDragOver(false);
      const files = [...e.dataTransfer.files];
      if (files.length > 0) void applyFiles(services, files);
    },
    [services],
  );
  const onDragOver = useCallback((e: DragEvent<HTMLDivElement>) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragOver(true);
  }, []);

  const big = graph.nodes.length > VIRTUALIZE_ABOVE;
  return (
    <div className={`canvas${dragOver ? ' is-drag-over' : ''}`} data-testid="canvas" onDrop={onDrop} onDragOver={onDragOver} onDragLeave={() => setDragOver(false)}>
      <ReactFlow<SkiffNode>
        nodes={nodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onNodeDragStop={onNodeDragStop}
        onPaneClick={onPaneClick}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.05}
        maxZoom={2}
        nodesConnectable={false}
        edgesFocusable={false}
        deleteKeyCode={null}
        onlyRenderVisibleElements={big}
        proOptions={{ hideAttribution: true }}
        colorMode="dark"
      >
        <AutoFit graphKey={structureKey(graph.nodes)} animate={podCount <= COMPACT_ABOVE_PODS} />
        <RevealSelection selectedId={selectedId} />
        <Background variant={BackgroundVariant.Dots} gap={22} size={1.2} />
        <Controls showInteractive={false} />
        {graph.nodes.length > 0 && graph.nodes.length <= MINIMAP_UP_TO && <MiniMap pannable zoomable nodeColor={miniColor} maskColor="rgba(8, 11, 16, 0.7)" />}
      </ReactFlow>
      {synced && graph.nodes.length === 0 && <EmptyCanvas />}
      {dragOver && <div className="drop-hint">Drop YAML or JSON manifests to apply them</div>}
      <DropResults />
    </div>
  );
}

const TONE_COLOURS: Record<string, string> = {
  running: '#2ea043',
  pending: '#d29922',
  failed: '#f85149',
  terminating: '#6e7681',
  succeeded: '#388bfd',
  unknown: '#6e7681',
};

function miniColor(n: SkiffNode): string {
  if (n.type === 'pod') return TONE_COLOURS[n.data.tone] ?? '#6e7681';
  if (n.type === 'service') return '#a371f7';
  return '#1f2630';
}
