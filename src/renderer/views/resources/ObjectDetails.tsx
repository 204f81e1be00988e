import { useEffect } from 'react';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import { isRecord } from '../../api/guards.js';
import { KeyValues, Labels, Section } from '../../components/KeyValues.js';
import { age } from '../../components/time.js';
import { useServices } from '../../store/context.js';
import type { ObjectRef } from '../../store/resourcesSlice.js';
import { EventList } from '../EventList.js';
import { ObjectActions } from './ObjectActions.js';
import { RelatedList } from './RelatedList.js';
import { useEventsOf } from './useEventsOf.js';
import { sameRef } from './open.js';
import { useObject, watchedKindOf } from './useObject.js';

interface ConditionRow {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  time?: string;
}

/** `status.conditions` of any kind, read defensively (CRDs put anything there). */
export function conditionsOf(obj: KubeObject): ConditionRow[] {
  const st = isRecord(obj.status) ? obj.status : {};
  if (!Array.isArray(st.conditions)) return [];
  return st.conditions.filter(isRecord).map((c) => ({
    type: String(c.type ?? ''),
    status: String(c.status ?? ''),
    ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
    ...(typeof c.message === 'string' ? { message: c.message } : {}),
    ...(typeof c.lastTransitionTime === 'string' ? { time: c.lastTransitionTime } : typeof c.lastUpdateTime === 'string' ? { time: c.lastUpdateTime } : {}),
  }));
}

export function Conditions({ object }: { object: KubeObject }) {
  const rows = conditionsOf(object);
  if (rows.length === 0) return null;
  const now = Date.now();
  return (
    <Section title="Conditions">
      <table className="table" data-testid="object-conditions">
        <tbody>
          {rows.map((c) => (
            <tr key={c.type}>
              <td>{c.type}</td>
              <td className={`cond-${c.status.toLowerCase()}`}>{c.status}</td>
              <td className="muted small" title={c.message}>
                {c.reason}
                {c.message ? ` · ${c.message}` : ''}
              </td>
              <td className="muted small">{age(c.time, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** The shared part of every details panel: actions, related objects; the specific panels add theirs. */
export function ObjectExtras({ object }: { object: KubeObject }) {
  return (
    <Section title="Related">
      <RelatedList object={object} />
    </Section>
  );
}

/** Details of any object: metadata, conditions, labels and annotations, related objects, events. */
export function ObjectDetails({ objRef }: { objRef: ObjectRef }) {
  const { store } = useServices();
  const { object, error, gone } = useObject(objRef);
  // Commands act on the selected object; for a kind the app does not watch, on this panel's copy
  // (commands/target.ts). Only the panel records it: other readers of objects (dialogs, a pending
  // pod's claims) must not change what a command acts on.
  useEffect(() => {
    if (!object || watchedKindOf(objRef)) return;
    const cur = store.getState().detailObject;
    if (cur?.object !== object || !sameRef(cur.ref, objRef)) store.getState().setDetailObject({ ref: objRef, object });
  }, [store, objRef, object]);
  const events = useEventsOf(object);
  if (!object) {
    return <div className="panel-empty">{gone ? `${objRef.kind} ${objRef.name} is gone.` : error ? `${objRef.kind} ${objRef.name}: ${error}` : 'Loading…'}</div>;
  }
  const m = object.metadata;
  const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'));
  return (
    <div className="details" data-testid="object-details" data-kind={object.kind}>
      <div className="details-kind">{object.kind}</div>
      <div className="details-title">
        <h2 title={m.name}>{m.name}</h2>
        {m.deletionTimestamp && <span className="badge badge-muted">Terminating</span>}
      </div>
      <ObjectActions object={object} />
      <KeyValues
        rows={[
          ['Namespace', m.namespace],
          ['API version', object.apiVersion],
          ['Age', age(m.creationTimestamp, Date.now())],
          ['Generation', m.generation !== undefined ? String(m.generation) : undefined],
          ['Finalizers', m.finalizers?.join(', ')],
          ['UID', <span className="mono small">{m.uid}</span>],
        ]}
      />
      <Conditions object={object} />
      <Section title="Labels">
        <Labels labels={m.labels} testId="object-labels" />
      </Section>
      <Section title="Annotations">
        <Labels labels={annotations} testId="object-annotations" />
      </Section>
      <ObjectExtras object={object} />
      <Section title={`Events (${events.length})`}>
        <EventList events={events} testId="object-events" />
      </Section>
    </div>
  );
}
