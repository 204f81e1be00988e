import type { Node, Service } from '../../../orchestrator/api/types.js';
import type { TableColumn, TableRow } from '../../api/tables.js';
import type { ObjectMap } from '../../store/kinds.js';
import type { RowsState } from '../resources/tableModel.js';
import type { IngressInfo } from '../../graph/ingresses.js';
import { serviceAnswers } from './answers.js';

const COLUMN: TableColumn = {
  name: 'Answers on',
  type: 'string',
  format: '',
  description: 'Where the Service answers besides its cluster IP: node ports on each node, load balancer and external IPs, Ingress hosts and paths.',
  priority: 0,
};

/** At most this many addresses in a cell; the panel lists them all. */
const SHOWN = 3;

/**
 * The server's Service rows with an "Answers on" column: node ports on every node address, load
 * balancer and external IPs and Ingress routes (the cluster IP and ports have their own columns).
 */
export function withAnswers(state: RowsState, services: ObjectMap<Service>, nodes: readonly Node[], ingresses: readonly IngressInfo[]): RowsState {
  if (state.columns.length === 0) return state;
  const rows = new Map<string, TableRow>();
  for (const [key, row] of state.rows) {
    const svc = services[key];
    const list = svc ? serviceAnswers(svc, nodes, ingresses).filter((a) => a.via !== 'cluster IP').map((a) => a.address) : [];
    const text = list.length > SHOWN ? `${list.slice(0, SHOWN).join(', ')} +${list.length - SHOWN}` : list.join(', ');
    rows.set(key, { ...row, cells: [...row.cells, text] });
  }
  return { columns: [...state.columns, COLUMN], rows };
}
