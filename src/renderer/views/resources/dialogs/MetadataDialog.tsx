import { useState } from 'react';
import { metadataPatch, rowsOf, validateRows, type KeyValueRow } from '../../../api/metadataEdit.js';
import { patchObject } from '../../../api/objects.js';
import { Dialog } from '../../../components/Dialog.js';
import { useServices } from '../../../store/context.js';
import type { ObjectRef } from '../../../store/resourcesSlice.js';
import { useObject } from '../useObject.js';
import { ErrorBox } from './ErrorBox.js';
import { useAction } from './useAction.js';

/** Edit an object's labels or annotations as key/value rows; saved as one merge patch. */
export function MetadataDialog({ objRef, field, onClose }: { objRef: ObjectRef; field: 'labels' | 'annotations'; onClose(): void }) {
  const { api, store } = useServices();
  const { object } = useObject(objRef);
  const before = object?.metadata[field];
  const [rows, setRows] = useState<KeyValueRow[] | undefined>(undefined);
  const shown = rows ?? [...rowsOf(before), { key: '', value: '' }];
  const [tried, setTried] = useState(false);
  const problems = validateRows(shown, field);
  const action = useAction();
  const title = field === 'labels' ? 'Labels' : 'Annotations';

  const update = (i: number, patch: Partial<KeyValueRow>) => setRows(shown.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async () => {
    setTried(true);
    if (problems.length > 0) return;
    const patch = metadataPatch(field, before, shown);
    if (!patch) return onClose();
    const ok = await action.run(async () => {
      await patchObject(api, objRef, 'merge', patch);
    });
    if (ok) {
      store.getState().refresh();
      onClose();
    }
  };
  const problemAt = (i: number, f: 'Key' | 'Value') => (tried ? problems.find((p) => p.row === i && p.field === f) : undefined);
  return (
    <Dialog title={`${title} of ${objRef.kind} ${objRef.name}`} onClose={onClose} testId="metadata-dialog" wide>
      <div className="form">
        <table className="kv-edit">
          <thead>
            <tr>
              <th>Key</th>
              <th>Value</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={i}>
                <td>
                  <input className={problemAt(i, 'Key') ? 'invalid' : ''} value={r.key} onChange={(e) => update(i, { key: e.target.value })} aria-label={`Key, row ${i + 1}`} data-testid={`meta-key-${i}`} />
                </td>
                <td>
                  <input className={problemAt(i, 'Value') ? 'invalid' : ''} value={r.value} onChange={(e) => update(i, { value: e.target.value })} aria-label={`Value, row ${i + 1}`} data-testid={`meta-value-${i}`} />
                </td>
                <td>
                  <button className="icon-btn" onClick={() => setRows(shown.filter((_, j) => j !== i))} aria-label={`Remove row ${i + 1}`} data-testid={`meta-remove-${i}`}>
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div>
          <button className="btn btn-small btn-ghost" onClick={() => setRows([...shown, { key: '', value: '' }])} data-testid="meta-add">
            Add row
          </button>
        </div>
        {tried && problems.length > 0 && (
          <ul className="causes" data-testid="meta-problems">
            {problems.map((p, i) => (
              <li key={i}>
                Row {p.row + 1}, {p.field}: {p.message}
              </li>
            ))}
          </ul>
        )}
        <ErrorBox error={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={action.busy || !object} onClick={() => void save()} data-testid="meta-save">
            {action.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
