import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { kindKey, sectionKinds, type ApiKind } from '../../api/discovery.js';
import type { TableRow } from '../../api/tables.js';
import { newResource } from '../../commands/newResource.js';
import { runCommand } from '../../commands/runCommand.js';
import { useApp, useServices } from '../../store/context.js';
import { connectionState } from '../../store/selectors.js';
import { refOf, refOfSelection, selectionFor } from './open.js';
import { ResourceTable } from './ResourceTable.js';
import { labelSelectorProblem, visibleRows, type SortSpec } from './tableModel.js';
import { useTableRows } from './useTableRows.js';
import { usageKind, withUsage } from '../metrics/usageColumns.js';
import { withAnswers } from '../network/answersColumn.js';
import { useIngresses } from '../network/useIngresses.js';
import './resources.css';

/** Every served kind in a sidebar; the chosen one as a live, filterable, sortable table. */
export function ResourcesView() {
  const kinds = useApp((s) => s.kinds);
  const browseKind = useApp((s) => s.browseKind);
  const kind = kinds.find((k) => kindKey(k) === browseKind) ?? kinds.find((k) => k.resource === 'pods');
  return (
    <div className="resources" data-testid="resources-view">
      <KindList kinds={kinds} current={kind} />
      {kind ? <KindTable key={kindKey(kind)} kind={kind} /> : <div className="panel-empty">Loading the kinds this cluster serves…</div>}
    </div>
  );
}

function KindList({ kinds, current }: { kinds: readonly ApiKind[]; current: ApiKind | undefined }) {
  const { store } = useServices();
  const sections = useMemo(() => sectionKinds(kinds), [kinds]);
  // `pods` is also `pods.metrics.k8s.io`: the core kind keeps the short id, the other is qualified.
  const shared = useMemo(() => {
    const seen = new Map<string, number>();
    for (const k of kinds) seen.set(k.resource, (seen.get(k.resource) ?? 0) + 1);
    return seen;
  }, [kinds]);
  const testId = (k: ApiKind) => ((shared.get(k.resource) ?? 0) > 1 && k.group ? `kind-${k.resource}.${k.group}` : `kind-${k.resource}`);
  return (
    <nav className="kind-list" aria-label="Kinds" data-testid="kind-list">
      {sections.map((s) => (
        <div key={s.title} className="kind-section">
          <h3>{s.title}</h3>
          {s.kinds.map((k) => (
            <button
              key={kindKey(k)}
              className={`kind-item${current && kindKey(current) === kindKey(k) ? ' is-current' : ''}`}
              aria-current={current && kindKey(current) === kindKey(k) ? 'page' : undefined}
              onClick={() => store.getState().browse(kindKey(k))}
              title={`${k.resource}${k.group ? `.${k.group}` : ''} (${k.group ? `${k.group}/` : ''}${k.version})`}
              data-testid={testId(k)}
            >
              {plural(k.kind)}
            </button>
          ))}
        </div>
      ))}
    </nav>
  );
}

function plural(kind: string): string {
  // Endpoints, PodMetrics, NodeMetrics: already plural.
  if (/(Endpoints|Metrics)$/.test(kind)) return kind;
  if (/(s|x|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}

function KindTable({ kind }: { kind: ApiKind }) {
  const ctx = useServices();
  const { store } = ctx;
  const namespace = useApp((s) => s.namespace);
  const nameFilter = useApp((s) => s.nameFilter);
  const labelSelector = useApp((s) => s.labelSelector);
  const offline = useApp((s) => connectionState(s) === 'offline');
  const selectedKey = useApp((s) => {
    const r = refOfSelection(s.selection);
    return r && r.resource === kind.resource && r.group === kind.group ? (r.namespace ? `${r.namespace}/${r.name}` : r.name) : undefined;
  });
  const [labelDraft, setLabelDraft] = useState(labelSelector);
  const [wide, setWide] = useState(false);
  const [sort, setSort] = useState<SortSpec | null>(null);
  const ns = kind.namespaced && namespace ? namespace : undefined;
  const table = useTableRows(kind, ns, labelSelector);
  const { status, error } = table;
  const uk = usageKind(kind.group, kind.resource);
  const usage = useApp((s) => (uk === 'pods' ? s.usage.pods : uk === 'nodes' ? s.usage.nodes : undefined));
  const nodes = useApp((s) => (uk === 'nodes' ? s.cluster.nodes : undefined));
  const isServices = kind.group === '' && kind.resource === 'services';
  const services = useApp((s) => (isServices ? s.cluster.services : undefined));
  const allNodes = useApp((s) => (isServices ? s.cluster.nodes : undefined));
  const ingresses = useIngresses(isServices ? (ns ?? '*') : undefined);
  const rows = useMemo(() => {
    if (uk && usage) return withUsage(table.rows, uk, usage, nodes ?? {});
    if (services && allNodes) return withAnswers(table.rows, services, Object.values(allNodes), ingresses);
    return table.rows;
  }, [uk, usage, nodes, services, allNodes, ingresses, table.rows]);
  const filter = useDeferredValue(nameFilter);
  const shown = useMemo(() => visibleRows(rows, filter, sort), [rows, filter, sort]);
  const labelProblem = labelSelectorProblem(labelDraft);

  const onOpen = useCallback((row: TableRow) => store.getState().select(selectionFor(refOf(kind, row.metadata.namespace, row.metadata.name ?? ''))), [store, kind]);

  return (
    <section className="kind-table" aria-label={plural(kind.kind)}>
      <div className="rt-toolbar">
        <h2>
          {plural(kind.kind)} <span className="muted small" data-testid="resource-count">{shown.length === rows.rows.size ? rows.rows.size : `${shown.length} of ${rows.rows.size}`}</span>
        </h2>
        <span className="muted small">{kind.namespaced ? (ns ? `in ${ns}` : 'all namespaces') : 'cluster-wide'}</span>
        <span className="spacer" />
        <label className="rt-filter">
          <span className="sr-only">Filter by name</span>
          <input value={nameFilter} onChange={(e) => store.getState().setNameFilter(e.target.value)} placeholder="Filter by name" aria-label="Filter by name" data-testid="name-filter" />
        </label>
        <form
          className={`rt-filter${labelProblem ? ' invalid' : ''}`}
          onSubmit={(e) => {
            e.preventDefault();
            if (!labelProblem) store.getState().setLabelSelector(labelDraft.trim());
          }}
        >
          <input
            value={labelDraft}
            onChange={(e) => setLabelDraft(e.target.value)}
            onBlur={() => !labelProblem && store.getState().setLabelSelector(labelDraft.trim())}
            placeholder="Label selector, e.g. app=web"
            aria-label="Label selector"
            aria-invalid={labelProblem !== undefined}
            data-testid="label-filter"
          />
        </form>
        <button className="btn btn-small" onClick={() => void runCommand(newResource, ctx)} data-testid="new-resource-button">
          New…
        </button>
        <label className="check small">
          <input type="checkbox" checked={wide} onChange={(e) => setWide(e.target.checked)} data-testid="wide-toggle" /> Wide
        </label>
      </div>
      {labelProblem && <div className="error-text small rt-msg" data-testid="label-filter-error">Label selector: {labelProblem}</div>}
      {status === 'retrying' && <div className="error-text small rt-msg" data-testid="table-error">{error ?? 'reconnecting…'}</div>}
      {status === 'loading' && rows.rows.size === 0 ? (
        <div className="panel-empty">Loading…</div>
      ) : (
        <ResourceTable
          columns={rows.columns}
          rows={shown}
          showNamespace={kind.namespaced && !ns}
          wide={wide}
          sort={sort}
          onSort={setSort}
          selectedKey={selectedKey}
          onOpen={onOpen}
          stale={offline || status === 'retrying'}
        />
      )}
      {status !== 'loading' && shown.length === 0 && <div className="panel-empty rt-empty">No {plural(kind.kind).toLowerCase()}{ns ? ` in ${ns}` : ''}{nameFilter || labelSelector ? ' match the filters' : ''}.</div>}
    </section>
  );
}
