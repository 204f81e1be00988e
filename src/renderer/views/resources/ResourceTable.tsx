import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type UIEvent } from 'react';
import type { TableColumn, TableRow } from '../../api/tables.js';
import { age } from '../../components/time.js';
import { cellDisplay, shownColumns, type SortSpec } from './tableModel.js';

const ROW = 28;
const OVERSCAN = 10;

export interface ResourceTableProps {
  columns: readonly TableColumn[];
  rows: readonly TableRow[];
  /** Show a Namespace column first (all namespaces, namespaced kind). */
  showNamespace: boolean;
  wide: boolean;
  sort: SortSpec | null;
  onSort(s: SortSpec | null): void;
  /** The key of the row whose details are open. */
  selectedKey: string | undefined;
  onOpen(row: TableRow): void;
  /** Greys the rows out: the data may be stale (offline). */
  stale: boolean;
}

/** Column widths: the name column gets the room, the others what their header needs. */
function template(cols: { column: TableColumn }[], showNamespace: boolean): string {
  const parts = showNamespace ? ['minmax(110px, 0.6fr)'] : [];
  for (const { column } of cols) parts.push(column.format === 'name' || column.name === 'Name' ? 'minmax(180px, 2fr)' : `minmax(${Math.max(70, column.name.length * 9 + 28)}px, 1fr)`);
  return parts.join(' ');
}

/**
 * A virtualized, sortable table of server-printed rows: only the rows in view are in the DOM, so
 * 5,000 pods scroll as 50 do. Keyboard: arrows, Page Up/Down, Home/End move; Enter opens; clicking
 * (or Enter on) a header sorts, again reverses, a third time restores the default order.
 */
export function ResourceTable({ columns, rows, showNamespace, wide, sort, onSort, selectedKey, onOpen, stale }: ResourceTableProps) {
  const cols = useMemo(() => shownColumns(columns, wide), [columns, wide]);
  const grid = useMemo(() => template(cols, showNamespace), [cols, showNamespace]);
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(500);
  const [active, setActive] = useState(0);
  const [now, setNow] = useState(() => Date.now());

  // AGE moves on by itself: redraw the visible rows every few seconds.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (active >= rows.length && rows.length > 0) setActive(rows.length - 1);
  }, [rows.length, active]);

  const reveal = (i: number) => {
    const el = body.current;
    if (!el) return;
    if (i * ROW < el.scrollTop) el.scrollTop = i * ROW;
    else if ((i + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW - el.clientHeight;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor(height / ROW) - 1);
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: rows.length - 1 };
    if (e.key in moves) {
      const next = Math.max(0, Math.min(rows.length - 1, moves[e.key] as number));
      setActive(next);
      reveal(next);
      e.preventDefault();
    } else if (e.key === 'Enter') {
      const r = rows[active];
      if (r) onOpen(r);
      e.preventDefault();
    }
  };

  const sortBy = (index: number) => {
    if (sort?.index !== index) onSort({ index, desc: false });
    else if (!sort.desc) onSort({ index, desc: true });
    else onSort(null);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const drawn = [];
  for (let i = first; i < last; i++) {
    const r = rows[i] as TableRow;
    drawn.push(
      <Row key={r.key} row={r} index={i} grid={grid} cols={cols} showNamespace={showNamespace} now={now} active={i === active} selected={r.key === selectedKey} onOpen={onOpen} onActivate={setActive} />,
    );
  }
  const header = (label: string, index: number, description?: string) => (
    <button
      key={index}
      role="columnheader"
      className={`rt-th${sort?.index === index ? ' is-sorted' : ''}`}
      title={description}
      aria-sort={sort?.index === index ? (sort.desc ? 'descending' : 'ascending') : 'none'}
      onClick={() => sortBy(index)}
      data-testid={`rt-sort-${label}`}
    >
      {label}
      {sort?.index === index && <span aria-hidden>{sort.desc ? ' ▾' : ' ▴'}</span>}
    </button>
  );
  return (
    <div className={`rt${stale ? ' is-stale' : ''}`} role="grid" aria-rowcount={rows.length} data-testid="resource-table" data-rows={rows.length}>
      <div className="rt-head" style={{ gridTemplateColumns: grid }} role="row">
        {showNamespace && header('Namespace', -1)}
        {cols.map(({ column, index }) => header(column.name, index, column.description.split('.')[0]))}
      </div>
      <div
        ref={body}
        className="rt-body"
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={(e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop)}
        aria-activedescendant={rows[active] ? `rt-row-${active}` : undefined}
        data-testid="resource-table-body"
      >
        <div style={{ height: rows.length * ROW, position: 'relative' }}>{drawn}</div>
      </div>
    </div>
  );
}

interface RowProps {
  row: TableRow;
  index: number;
  grid: string;
  cols: { column: TableColumn; index: number }[];
  showNamespace: boolean;
  now: number;
  active: boolean;
  selected: boolean;
  onOpen(row: TableRow): void;
  onActivate(i: number): void;
}

/** One row; memo'd, so a watch event redraws only the rows it changed. */
const Row = memo(function Row({ row, index, grid, cols, showNamespace, now, active, selected, onOpen, onActivate }: RowProps) {
  const deleting = row.metadata.deletionTimestamp !== undefined;
  return (
    <div
      id={`rt-row-${index}`}
      role="row"
      aria-selected={selected}
      className={`rt-row${active ? ' is-active' : ''}${selected ? ' is-selected' : ''}${deleting ? ' is-deleting' : ''}`}
      style={{ top: index * ROW, height: ROW, gridTemplateColumns: grid }}
      onClick={() => {
        onActivate(index);
        onOpen(row);
      }}
      data-testid={`rt-row-${row.key}`}
    >
      {showNamespace && <span className="rt-td muted">{row.metadata.namespace}</span>}
      {cols.map(({ column, index: ci }) => (
        <span key={ci} className={`rt-td${ci === 0 ? ' rt-name' : ''}`} role="gridcell">
          {cellDisplay(row, column, ci, now, age)}
        </span>
      ))}
    </div>
  );
});
