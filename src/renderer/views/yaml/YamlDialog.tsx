import { useEffect, useMemo, useState } from 'react';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import { sameContent, sameIntent, withoutManagedFields } from '../../api/compare.js';
import { ApiRequestError } from '../../api/errors.js';
import { getObject, replaceObject } from '../../api/objects.js';
import { DiffView } from '../../components/DiffView.js';
import { Dialog } from '../../components/Dialog.js';
import { useServices } from '../../store/context.js';
import type { ObjectRef } from '../../store/resourcesSlice.js';
import { ErrorBox } from '../resources/dialogs/ErrorBox.js';
import { useAction } from '../resources/dialogs/useAction.js';
import { refLabel } from '../resources/open.js';
import { useObject } from '../resources/useObject.js';
import { diffStats, diffText, forDiff, toYaml } from './diff.js';
import { parseOne } from './parse.js';
import { useKindSchema } from './useKindSchema.js';
import { LazyYamlEditor as YamlEditor } from './LazyYamlEditor.js';

type Step =
  | { at: 'edit' }
  /** A server-side dry run of the edit: the live object and what it would become. */
  | { at: 'review'; live: KubeObject; result: KubeObject; mine: KubeObject }
  /** Someone else changed it since the edit began: theirs (now live) beside mine. */
  | { at: 'conflict'; theirs: KubeObject; mine: KubeObject };

/**
 * An object's YAML (without managedFields) in the schema-aware editor. Viewing follows the live
 * object; editing starts from a snapshot, and nothing is written before a server-side dry run
 * (`?dryRun=All`) has been shown as a diff against the live object. A write that meets a newer
 * version (409) shows both, and the user chooses.
 */
export function YamlDialog({ objRef, edit: startEditing, onClose }: { objRef: ObjectRef; edit: boolean; onClose(): void }) {
  const { api, store } = useServices();
  const { object } = useObject(objRef);
  const schema = useKindSchema(objRef.group, objRef.version, objRef.kind);
  const [editing, setEditing] = useState(startEditing);
  const [text, setText] = useState<string | undefined>(undefined);
  /** The version the edit began from: a newer one that differs from it only in status is no conflict. */
  const [base, setBase] = useState<KubeObject | undefined>(undefined);
  const [step, setStep] = useState<Step>({ at: 'edit' });
  const action = useAction();
  const liveText = useMemo(() => (object ? toYaml(withoutManagedFields(object)) : ''), [object]);

  // Editing begins from the object as it is when the editor opens (or switches to edit).
  useEffect(() => {
    if (editing && text === undefined && object) {
      setText(liveText);
      setBase(object);
    }
  }, [editing, text, object, liveText]);

  /**
   * Runs a write of `mine`; on 409 it reads theirs. When theirs differs from where the edit began
   * only in status (a controller's heartbeat), the edit moves onto their version and is tried again;
   * otherwise the conflict is shown. Resolves to the write's result, or undefined on a conflict.
   */
  const write = async (mine: KubeObject, dryRun: boolean): Promise<{ result: KubeObject; mine: KubeObject } | undefined> => {
    let current = mine;
    // A rollout in progress rewrites status many times a second: keep moving onto the newest.
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        return { result: await replaceObject(api, objRef, current, { dryRun }), mine: current };
      } catch (e) {
        if (!(e instanceof ApiRequestError && e.code === 409)) throw e;
        const theirs = await getObject(api, objRef);
        if (!base || !sameIntent(base, theirs)) {
          setStep({ at: 'conflict', theirs, mine: current });
          return undefined;
        }
        current = { ...current, metadata: { ...current.metadata, resourceVersion: theirs.metadata.resourceVersion } };
        setBase(theirs);
      }
    }
    throw new ApiRequestError(409, `${refLabel(objRef)} keeps changing: try again`, 'Conflict');
  };

  const review = async (mine: KubeObject) => {
    await action.run(async () => {
      const done = await write(mine, true);
      if (done) setStep({ at: 'review', live: await getObject(api, objRef), result: done.result, mine: done.mine });
    });
  };
  const startReview = () => {
    const parsed = parseOne(text ?? '');
    if ('error' in parsed) return action.setError({ message: parsed.error, causes: [] });
    if (parsed.object.metadata.name !== objRef.name || (parsed.object.metadata.namespace ?? objRef.namespace) !== objRef.namespace) {
      return action.setError({ message: `metadata.name and metadata.namespace cannot change here (this is ${refLabel(objRef)}): create a new object instead.`, causes: [] });
    }
    void review(parsed.object);
  };
  const apply = async (mine: KubeObject) => {
    let written = false;
    const ok = await action.run(async () => {
      written = (await write(mine, false)) !== undefined;
    });
    if (ok && written) {
      store.getState().notify({ kind: 'info', text: `${refLabel(objRef)} configured` });
      store.getState().refresh();
      onClose();
    }
  };

  const title = `${editing ? 'Edit' : 'YAML of'} ${refLabel(objRef)}`;
  return (
    <Dialog title={title} onClose={onClose} testId="yaml-dialog" wide>
      <div className="yaml-dialog">
        {step.at === 'edit' && (
          <>
            <p className="muted small">
              {editing ? 'Edit, then review the changes: nothing is written before you have seen what the server would do.' : 'managedFields are hidden. Hover a field for its documentation.'}
              {schema?.root ? '' : ' (No schema from the server for this kind: no checks.)'}
            </p>
            <YamlEditor value={editing ? (text ?? liveText) : liveText} readOnly={!editing} schema={schema} onChange={setText} testId="yaml-editor" label={title} />
          </>
        )}
        {step.at === 'review' && <Review step={step} />}
        {step.at === 'conflict' && (
          <div data-testid="yaml-conflict">
            <p className="warning-text">
              {refLabel(objRef)} changed after you began editing (version {step.mine.metadata.resourceVersion} → {step.theirs.metadata.resourceVersion}). Theirs (now live, left) against yours (right):
            </p>
            <DiffView hunks={diffText(forDiff(step.theirs), forDiff(step.mine))} testId="yaml-conflict-diff" />
          </div>
        )}
        <ErrorBox error={action.error} testId="yaml-error" />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {editing ? 'Cancel' : 'Close'}
          </button>
          {!editing && (
            <button type="button" className="btn btn-primary" disabled={!object} onClick={() => setEditing(true)} data-testid="yaml-edit">
              Edit
            </button>
          )}
          {editing && step.at === 'edit' && (
            <button type="button" className="btn btn-primary" disabled={action.busy || text === undefined} onClick={startReview} data-testid="yaml-review">
              {action.busy ? 'Asking the server…' : 'Review changes'}
            </button>
          )}
          {step.at === 'review' && (
            <>
              <button type="button" className="btn" onClick={() => setStep({ at: 'edit' })} data-testid="yaml-back">
                Back to editing
              </button>
              <button type="button" className="btn btn-primary" disabled={action.busy || sameContent(step.result, step.live)} onClick={() => void apply(step.mine)} data-testid="yaml-apply">
                Apply
              </button>
            </>
          )}
          {step.at === 'conflict' && (
            <>
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setText(toYaml(withoutManagedFields(step.theirs)));
                  setBase(step.theirs);
                  action.setError(null);
                  setStep({ at: 'edit' });
                }}
                data-testid="yaml-take-theirs"
              >
                Discard mine, edit theirs
              </button>
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => {
                  const mine = { ...step.mine, metadata: { ...step.mine.metadata, resourceVersion: step.theirs.metadata.resourceVersion } };
                  setBase(step.theirs);
                  action.setError(null);
                  void review(mine);
                }}
                data-testid="yaml-keep-mine"
              >
                Review mine over theirs
              </button>
            </>
          )}
        </div>
      </div>
    </Dialog>
  );
}

function Review({ step }: { step: Extract<Step, { at: 'review' }> }) {
  const hunks = useMemo(() => diffText(forDiff(step.live), forDiff(step.result)), [step]);
  const { added, removed } = diffStats(hunks);
  return (
    <div data-testid="yaml-review-pane">
      <p className="muted small" data-testid="yaml-review-summary">
        {hunks.length === 0 ? 'The server says this changes nothing (unchanged).' : `What the server would store (dry run): ${added} line${added === 1 ? '' : 's'} added, ${removed} removed, defaults included.`}
      </p>
      <DiffView hunks={hunks} testId="yaml-diff" empty="No changes." />
    </div>
  );
}
