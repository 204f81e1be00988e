import { useEffect, useRef, useState, type ReactNode, type UIEvent } from 'react';

export interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  render(item: T, index: number): ReactNode;
  className?: string;
  testId?: string;
  /** Keep the view pinned to the newest row while the user is at the bottom. */
  follow?: boolean;
  /** Called when the user scrolls away from (false) or back to (true) the bottom. */
  onAtBottom?(atBottom: boolean): void;
  /** Scrolls so this row is in the middle of the view (e.g. a search hit); changes scroll again. */
  scrollToIndex?: number;
}

const OVERSCAN = 12;

/**
 * A fixed-row-height list that renders only the rows in view: 5,000 log lines or pods cost the same
 * as 50.
 */
export function VirtualList<T>({ items, rowHeight, render, className, testId, follow, onAtBottom, scrollToIndex }: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [follow, items.length]);

  useEffect(() => {
    const el = ref.current;
    if (el && scrollToIndex !== undefined && scrollToIndex >= 0) el.scrollTop = Math.max(0, scrollToIndex * rowHeight - el.clientHeight / 2);
  }, [scrollToIndex, rowHeight]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    setScrollTop(el.scrollTop);
    onAtBottom?.(el.scrollHeight - el.scrollTop - el.clientHeight < rowHeight * 2);
  };

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {render(items[i] as T, i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={`vlist ${className ?? ''}`} data-testid={testId} onScroll={onScroll}>
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
