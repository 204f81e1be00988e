import { lazy, Suspense } from 'react';
import type { YamlEditorProps } from './YamlEditor.js';

// CodeMirror and its YAML language are a large part of the bundle and only a dialog needs them:
// loaded on first use, so the canvas's first paint does not wait for them to be parsed and run.
const Editor = lazy(() => import('./YamlEditor.js').then((m) => ({ default: m.YamlEditor })));

/** The YAML editor, loaded on first use; a plain read-only view of the text meanwhile. */
export function LazyYamlEditor(props: YamlEditorProps) {
  return (
    <Suspense
      fallback={
        <pre className="yaml-loading" data-testid={`${props.testId ?? 'yaml-editor'}-loading`} aria-busy="true" aria-label={props.label}>
          {props.value}
        </pre>
      }
    >
      <Editor {...props} />
    </Suspense>
  );
}
