import './canvas.css';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Background, BackgroundVariant, Controls, MiniMap, ReactFlow, applyNodeChanges, useStore as useFlowStore, type NodeChange, type NodeMouseHandler } from '@xyflow/react';
import { applyFiles } from '../commands/deployFromFile.js';
import { cardKeyOf, derive } from '../graph/derive.js';
import { FitPolicy } from '../graph/fitPolicy.js';
import { layout } from '../graph/layout.js';
import { lodFor } from '../graph/lod.js';
import { nodeTypes } from '../graph/nodeTypes.js';
import { highlightEdges, place, reconcileEdges, reconcileNodes } from '../graph/place.js';
import { groupId, ingressId, podId, serviceId, workloadId, type SkiffEdge, type SkiffNode } from '../graph/types.js';
import { useApp, useServices } from '../store/context.js';
import { useInNamespace } from '../store/namespaceFilter.js';
import type { AppState, Selection } from '../store/slices.js';
import { AutoFit, structureKey } from './AutoFit.js';
import { DropResults } from './DropResults.js';
import { EmptyCanvas } from './EmptyCanvas.js';
import { RevealSelection } from './RevealSelection.js';

/** Above this many flow nodes the canvas renders only what is on screen, and drops the minimap. */
const VIRTUALIZE_ABOVE = 1000;
/** The minimap redraws every node on every pan and zoom: only for small pictures. */
const MINIMAP_UP_TO = 200;
const ANIMATE_UP_TO = 300;

const EMPTY = { nodes: {}, pods: {}, services: {}, endpoints: {}, replicasets: {}, jobs: {}, ingresses: {} };

function selectionId(s: Selection | null): string | undefined {
  if (!s) return undefined;
  if (s.type === 'pod') return podId(s.key);
  if (s.type === 'service') return serviceId(s.key);
  if (s.type === 'node') return groupId(s.name);
  if (s.type === 'object' && s.ref.group === INGRESS_REF.group && s.ref.resource === INGRESS_REF.resource && s.ref.namespace) return ingressId(`${s.ref.namespace}/${s.ref.name}`);
  return undefined;
}

/** An Ingress opens the generic details (its YAML, events, related Services). */
const INGRESS_REF = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', namespaced: true } as const;

/** The card that must be open because it holds the selected pod. */
function selectedCard(s: AppState): string | undefined {
  if (s.selection?.type !== 'pod') return undefined;
  const pod = s.cluster.pods[s.selection.key];
  return pod ? workloadId(cardKeyOf(pod, s.cluster).key) : undefined;
}

function selectionOf(n: SkiffNode): Selection | null | undefined {
  if (n.type === 'pod') return { type: 'pod', key: n.data.key };
  if (n.type === 'service') return { type: 'service', key: n.data.key };
  if (n.type === 'ingress') return { type: 'object', ref: { ...INGRESS_REF, namespace: n.data.namespace, name: n.data.name } };
  if (n.type === 'nodeCard') return n.data.missing ? null : { type: 'node', name: n.data.name };
  // A card's own buttons act on it; a click elsewhere on it leaves the selection as it is.
  return undefined;
}

/** The live topology: nodes across the top, workloads as cards with their services; drop manifests here. */
export function TopologyView() {
  const services = useServices();
  const nodesMap = useApp((s) => s.cluster.nodes);
  // The namespace picker filters the canvas too (nodes are cluster-wide and stay).
  const pods = useInNamespace('pods');
  const svcs = useInNamespace('services');
  const endpoints = useInNamespace('endpoints');
  const replicasets = useApp((s) => s.cluster.replicasets);
  const jobs = useApp((s) => s.cluster.jobs);
  const deployments = useApp((s) => s.cluster.deployments);
  const ingresses = useInNamespace('ingresses');
  const collapsed = useApp((s) => s.collapsed);
  const expand = useApp(selectedCard);
  const overrides = useApp((s) => s.positions);
  const selectedId = useApp((s) => selectionId(s.selection));
  // Draw once nodes, pods and services are all listed, so the first fit sees the whole picture.
  const synced = useApp((s) => s.synced.nodes && s.synced.pods && s.synced.services);
  const podCount = useApp((s) => s.counts.pods);
  const lod = useFlowStore((s) => lodFor(s.transform[2]).level);
  const [dragOver, setDragOver] = useState(false);
  const policy = useRef(new FitPolicy()).current;

  const graph = useMemo(
    () => derive(synced ? { nodes: nodesMap, pods, services: svcs, endpoints, replicasets, jobs, ingresses, deployments } : EMPTY, { collapsed }),
    [synced, nodesMap, pods, svcs, endpoints, replicasets, jobs, ingresses, deployments, collapsed],
  );
  // Selecting a pod (in the palette, a table, a link) opens its card once; the user may fold it again.
  useEffect(() => {
    if (!expand) return;
    const card = graph.nodes.find((n) => n.id === expand);
    if (card?.type === 'workload' && card.data.collapsed) services.store.getState().setCardCollapsed(expand, false);
    // Only when the selection moves to another card, not on every update of the graph.
  }, [expand, services.store]);
  const lay = useMemo(() => layout(graph.nodes, graph.edges), [graph]);
  const placed = useMemo(() => place(graph.nodes, lay, overrides, selectedId), [graph, lay, overrides, selectedId]);
  const [nodes, setNodes] = useState<SkiffNode[]>([]);
  const [edges, setEdges] = useState<SkiffEdge[]>([]);
  useEffect(() => setNodes((prev) => reconcileNodes(prev, placed)), [placed]);
  useEffect(() => setEdges((prev) => reconcileEdges(prev, graph.edges)), [graph]);
  const shownEdges = useMemo(() => highlightEdges(edges, selectedId), [edges, selectedId]);

  const onNodesChange = useCallback((changes: NodeChange<SkiffNode>[]) => {
    // Selection is the store's, not React Flow's; sizes are ours (place() sets `measured`), so only drags matter.
    const relevant = changes.filter((c) => c.type === 'position');
    if (relevant.length > 0) setNodes((prev) => applyNodeChanges(relevant, prev));
  }, []);

  const onNodeClick: NodeMouseHandler<SkiffNode> = useCallback(
    (_e, n) => {
      const sel = selectionOf(n);
      if (sel !== undefined) services.store.getState().select(sel);
    },
    [services.store],
  );
  const onPaneClick = useCallback(() => services.store.getState().select(null), [services.store]);
  const onNodeDragStop = useCallback(
    (_e: unknown, n: SkiffNode) => {
      if (!n.parentId) services.store.getState().setPosition(n.id, n.position);
    },
    [services.store],
  );
  // A move with an input event is the user's (wheel, drag, pinch); fits and reveals come without one.
  const onMoveStart = useCallback((e: MouseEvent | TouchEvent | null) => e && policy.userMove(), [policy]);

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

  const virtualize = graph.nodes.length > VIRTUALIZE_ABOVE;
  // Many cards on screen at once: drop what is costly to paint in software (blurred shadows).
  const big = graph.nodes.length > MINIMAP_UP_TO;
  return (
    <div className={`canvas lod-${lod}${big ? ' is-big' : ''}${dragOver ? ' is-drag-over' : ''}`} data-testid="canvas" data-lod={lod} onDrop={onDrop} onDragOver={onDragOver} onDragLeave={() => setDragOver(false)}>
      <ReactFlow<SkiffNode>
        nodes={nodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onNodeDragStop={onNodeDragStop}
        onPaneClick={onPaneClick}
        onMoveStart={onMoveStart}
        fitView
        fitViewOptions={{ padding: 0.12, maxZoom: 1.1 }}
        minZoom={0.02}
        maxZoom={2}
        nodesConnectable={false}
        edgesFocusable={false}
        deleteKeyCode={null}
        onlyRenderVisibleElements={virtualize}
        proOptions={{ hideAttribution: true }}
        colorMode="system"
      >
        <AutoFit graphKey={synced ? structureKey(graph.nodes) : ''} animate={podCount <= ANIMATE_UP_TO} policy={policy} />
        <RevealSelection selectedId={selectedId} />
        <Background variant={BackgroundVariant.Dots} gap={22} size={1.2} />
        <Controls showInteractive={false} onFitView={() => policy.userFit()} />
        {graph.nodes.length > 0 && graph.nodes.length <= MINIMAP_UP_TO && <MiniMap pannable zoomable nodeColor={miniColor} maskColor="rgba(8, 11, 16, 0.7)" />}
      </ReactFlow>
      {synced && graph.nodes.length === 0 && <EmptyCanvas />}
      {dragOver && <div className="drop-hint">Drop YAML or JSON manifests to apply them</div>}
      <DropResults />
    </div>
  );
}

const TONE_COLOURS: Record<string, string> = { running: '#2ea043', pending: '#d29922', failed: '#f85149', terminating: '#6e7681', succeeded: '#388bfd', unknown: '#6e7681' };

function miniColor(n: SkiffNode): string {
  if (n.type === 'pod') return TONE_COLOURS[n.data.tone] ?? '#6e7681';
  if (n.type === 'service') return '#a371f7';
  if (n.type === 'ingress') return '#39c5bb';
  if (n.type === 'workload') return '#2a3340';
  return '#1f2630';
}
