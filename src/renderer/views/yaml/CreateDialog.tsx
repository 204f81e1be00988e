import { useMemo, useState } from 'react';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import { findKind } from '../../api/discovery.js';
import { createObject } from '../../api/objects.js';
import { DiffView } from '../../components/DiffView.js';
import { Dialog } from '../../components/Dialog.js';
import { useApp, useServices } from '../../store/context.js';
import { ErrorBox } from '../resources/dialogs/ErrorBox.js';
import { useAction } from '../resources/dialogs/useAction.js';
import { refOf, selectionFor } from '../resources/open.js';
import { diffText, forDiff } from './diff.js';
import { parseOne } from './parse.js';
import { TEMPLATES, templateProblems, type TemplateInput } from './templates.js';
import { useKindSchema } from './useKindSchema.js';
import { LazyYamlEditor as YamlEditor } from './LazyYamlEditor.js';

/**
 * A new object from a template: a few fields fill the YAML, which stays editable (schema-checked);
 * the server's dry run of the create is shown before anything is created.
 */
export function CreateDialog({ template: initial, onClose }: { template?: string; onClose(): void }) {
  const { api, store } = useServices();
  const kinds = useApp((s) => s.kinds);
  const ns = useApp((s) => s.namespace);
  const [templateId, setTemplateId] = useState(initial ?? 'deployment');
  const template = TEMPLATES.find((t) => t.id === templateId) ?? (TEMPLATES[0] as (typeof TEMPLATES)[number]);
  const [input, setInput] = useState<TemplateInput>({ name: '', namespace: ns ?? 'default', image: 'nginx:1.27', port: 80 });
  const [text, setText] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState<KubeObject | null>(null);
  const [tried, setTried] = useState(false);
  const action = useAction();
  const problems = templateProblems(template, input);
  const parsed = useMemo(() => (text === undefined ? undefined : parseOne(text)), [text]);
  const obj = parsed && 'object' in parsed ? parsed.object : undefined;
  const kind = obj ? findKind(kinds, obj.apiVersion, obj.kind) : undefined;
  const schema = useKindSchema(kind?.group, kind?.version, kind?.kind);

  const target = () => {
    if (!parsed) return undefined;
    if ('error' in parsed) {
      action.setError({ message: parsed.error, causes: [] });
      return undefined;
    }
    if (!kind) {
      action.setError({ message: `kind "${parsed.object.kind}" in apiVersion "${parsed.object.apiVersion}" is not served by this cluster`, causes: [] });
      return undefined;
    }
    const namespace = kind.namespaced ? (parsed.object.metadata.namespace ?? 'default') : undefined;
    return { ref: { ...refOf(kind, namespace, parsed.object.metadata.name ?? ''), ...(namespace ? { namespace } : {}) }, object: parsed.object };
  };
  const review = async () => {
    const t = target();
    if (!t) return;
    await action.run(async () => setPreview(await createObject(api, t.ref, t.object, { dryRun: true })));
  };
  const create = async () => {
    const t = target();
    if (!t) return;
    let created: KubeObject | undefined;
    const ok = await action.run(async () => {
      created = await createObject(api, t.ref, t.object);
    });
    if (ok && created && kind) {
      store.getState().notify({ kind: 'info', text: `${created.kind} ${created.metadata.name} created` });
      store.getState().select(selectionFor(refOf(kind, created.metadata.namespace, created.metadata.name ?? '')));
      onClose();
    }
  };

  return (
    <Dialog title="New resource" onClose={onClose} testId="create-dialog" wide>
      <div className="form">
        {text === undefined ? (
          <form
            className="form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              setTried(true);
              if (problems.length === 0) setText(template.yaml(input));
            }}
          >
            <div className="form-row">
              <label className="field">
                Template
                <select value={templateId} onChange={(e) => setTemplateId(e.target.value)} data-testid="create-template">
                  {TEMPLATES.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                Name
                <input autoFocus value={input.name} onChange={(e) => setInput({ ...input, name: e.target.value })} data-testid="create-name" />
              </label>
              {template.id !== 'namespace' && (
                <label className="field">
                  Namespace
                  <input value={input.namespace} onChange={(e) => setInput({ ...input, namespace: e.target.value })} data-testid="create-namespace" />
                </label>
              )}
            </div>
            {template.fields.length > 0 && (
              <div className="form-row">
                {template.fields.includes('image') && (
                  <label className="field">
                    Image
                    <input value={input.image} onChange={(e) => setInput({ ...input, image: e.target.value })} data-testid="create-image" />
                  </label>
                )}
                {template.fields.includes('port') && (
                  <label className="field narrow">
                    Port
                    <input inputMode="numeric" value={String(input.port)} onChange={(e) => setInput({ ...input, port: Number(e.target.value) })} data-testid="create-port" />
                  </label>
                )}
              </div>
            )}
            {tried && problems.length > 0 && (
              <ul className="causes" data-testid="create-problems">
                {problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
            <div className="dialog-foot">
              <button type="button" className="btn btn-ghost" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="btn btn-primary" data-testid="create-fill">
                Continue to YAML
              </button>
            </div>
          </form>
        ) : (
          <>
            {preview ? (
              <div data-testid="create-review">
                <p className="muted small">What the server would create (dry run, with its defaults):</p>
                <DiffView hunks={diffText('', forDiff(preview))} testId="yaml-diff" />
              </div>
            ) : (
              <YamlEditor value={text} schema={schema} onChange={setText} testId="yaml-editor" label="New resource YAML" />
            )}
            <ErrorBox error={action.error} testId="yaml-error" />
            <div className="dialog-foot">
              <button type="button" className="btn btn-ghost" onClick={() => (preview ? setPreview(null) : setText(undefined))}>
                Back
              </button>
              {preview ? (
                <button type="button" className="btn btn-primary" disabled={action.busy} onClick={() => void create()} data-testid="create-confirm">
                  Create {preview.kind}
                </button>
              ) : (
                <button type="button" className="btn btn-primary" disabled={action.busy} onClick={() => void review()} data-testid="yaml-review">
                  Review
                </button>
              )}
            </div>
          </>
        )}
      </div>
    </Dialog>
  );
}
