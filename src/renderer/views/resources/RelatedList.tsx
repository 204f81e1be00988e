import { useMemo } from 'react';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import { useApp, useServices } from '../../store/context.js';
import { selectionFor } from './open.js';
import { relatedObjects } from './related.js';

const SHOWN = 30;

/** Owners, children and related objects, each a link that opens its details. */
export function RelatedList({ object }: { object: KubeObject }) {
  const { store } = useServices();
  const kinds = useApp((s) => s.kinds);
  const cluster = useApp((s) => s.cluster);
  const groups = useMemo(() => relatedObjects(object, kinds, cluster), [object, kinds, cluster]);
  if (groups.length === 0) return <div className="muted">Nothing linked</div>;
  return (
    <div className="related" data-testid="related">
      {groups.map((g) => (
        <div key={g.title} className="related-group">
          <h4>
            {g.title} ({g.links.length})
          </h4>
          <ul>
            {g.links.slice(0, SHOWN).map((l) => (
              <li key={`${l.ref.kind}/${l.ref.namespace ?? ''}/${l.ref.name}`}>
                <button className="link-btn" onClick={() => store.getState().select(selectionFor(l.ref))} data-testid={`related-${l.ref.kind}-${l.ref.name}`}>
                  {l.ref.kind}/{l.ref.name}
                </button>
                {l.note && <span className="muted small"> {l.note}</span>}
              </li>
            ))}
            {g.links.length > SHOWN && <li className="muted small">and {g.links.length - SHOWN} more</li>}
          </ul>
        </div>
      ))}
    </div>
  );
}
