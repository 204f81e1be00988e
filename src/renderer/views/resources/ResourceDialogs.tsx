import { useCallback } from 'react';
import { useApp, useServices } from '../../store/context.js';
import { CreateDialog } from '../yaml/CreateDialog.js';
import { YamlDialog } from '../yaml/YamlDialog.js';
import { DeleteDialog } from './dialogs/DeleteDialog.js';
import { DrainDialog } from './dialogs/DrainDialog.js';
import { EvictDialog } from './dialogs/EvictDialog.js';
import { MetadataDialog } from './dialogs/MetadataDialog.js';
import { RollbackDialog } from './dialogs/RollbackDialog.js';
import { ScaleDialog } from './dialogs/ScaleDialog.js';

/** The dialog a resource command opened, if any (one at a time). */
export function ResourceDialogs() {
  const d = useApp((s) => s.resourceDialog);
  const { store } = useServices();
  const close = useCallback(() => store.getState().openResourceDialog(null), [store]);
  if (!d) return null;
  switch (d.type) {
    case 'scale':
      return <ScaleDialog objRef={d.ref} onClose={close} />;
    case 'delete':
      return <DeleteDialog objRef={d.ref} onClose={close} />;
    case 'rollback':
      return <RollbackDialog objRef={d.ref} onClose={close} />;
    case 'drain':
      return <DrainDialog node={d.node} onClose={close} />;
    case 'evict':
      return <EvictDialog objRef={d.ref} onClose={close} />;
    case 'metadata':
      return <MetadataDialog objRef={d.ref} field={d.field} onClose={close} />;
    case 'yaml':
      return <YamlDialog objRef={d.ref} edit={d.edit} onClose={close} />;
    case 'create':
      return <CreateDialog {...(d.template ? { template: d.template } : {})} onClose={close} />;
  }
}
