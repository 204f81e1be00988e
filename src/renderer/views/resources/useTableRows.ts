import { useEffect, useState } from 'react';
import type { ApiKind } from '../../api/discovery.js';
import { TableWatch, type TableEventType, type TableRow } from '../../api/tables.js';
import { FrameBatcher } from '../../store/frameBatcher.js';
import { useServices } from '../../store/context.js';
import { applyTable, emptyRows, type RowsState } from './tableModel.js';

export interface TableRowsResult {
  rows: RowsState;
  status: 'loading' | 'live' | 'retrying';
  error?: string;
}

/**
 * One kind's Table, listed and watched while the view is mounted (rows batched per frame: a burst
 * of 5,000 pod events is one render). Changing the kind, namespace or selector starts afresh.
 */
export function useTableRows(kind: ApiKind | undefined, namespace: string | undefined, labelSelector: string): TableRowsResult {
  const { api } = useServices();
  const [result, setResult] = useState<TableRowsResult>({ rows: emptyRows, status: 'loading' });
  useEffect(() => {
    if (!kind) return;
    setResult({ rows: emptyRows, status: 'loading' });
    const batcher = new FrameBatcher<{ type: TableEventType; row: TableRow }>((changes) => setResult((r) => ({ ...r, rows: applyTable(r.rows, { changes }) })));
    const w = new TableWatch(api, kind, { ...(namespace ? { namespace } : {}), labelSelector }, {
      reset: (t) => {
        batcher.dispose();
        setResult((r) => ({ ...r, rows: applyTable(r.rows, { reset: t }) }));
      },
      rows: (changes) => {
        for (const c of changes) batcher.push(c);
      },
      state: (status, error) => setResult((r) => ({ ...r, status, ...(error !== undefined ? { error } : { error: undefined }) })),
    });
    return () => {
      w.dispose();
      batcher.dispose();
    };
  }, [api, kind, namespace, labelSelector]);
  return result;
}
