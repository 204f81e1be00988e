import { autocompletion, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, foldGutter, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { forceLinting, linter, lintGutter, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';
import type { KindSchema } from './openapi.js';
import { explain, fieldsAt, lintYaml, placeAt } from './schema.js';

/** Colours from the app's CSS variables, so the editor follows the light and dark themes. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--code-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--code-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--code-number)' },
  { tag: [tags.comment, tags.lineComment], color: 'var(--text-muted)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator, tags.meta], color: 'var(--text-muted)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '12px', backgroundColor: 'var(--bg)', color: 'var(--text)' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--bg-panel)', color: 'var(--text-muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--code-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--code-active-line)' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-2px' },
  '.cm-tooltip': { backgroundColor: 'var(--bg-panel)', border: '1px solid var(--border-strong)', color: 'var(--text)', maxWidth: '520px' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent-strong)', color: '#fff' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { backgroundColor: 'var(--code-selection) !important' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
});

/** Completion of field names from the schema at the cursor's mapping (with type and doc). */
function schemaCompletion(get: () => KindSchema | undefined) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const ks = get();
    if (!ks?.root) return null;
    const word = ctx.matchBefore(/[A-Za-z0-9_$-]*/);
    if (!word) return null;
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    // Only where a key goes: at the start of a line (after indentation or "- ").
    if (!/^\s*(-\s+)?[A-Za-z0-9_$-]*$/.test(before)) return null;
    if (word.from === word.to && !ctx.explicit) return null;
    const text = ctx.state.doc.toString();
    const place = placeAt(text, ctx.pos);
    if (!place) return null;
    const fields = fieldsAt(ks.schemas, ks.root, place.path, place.siblings.filter((s) => s !== place.key));
    return {
      from: word.from,
      options: fields.map((f) => ({ label: f.name, type: 'property', detail: `${f.type}${f.required ? ' · required' : ''}`, info: f.description || undefined, apply: `${f.name}: ` })),
      validFor: /^[A-Za-z0-9_$-]*$/,
    };
  };
}

export interface YamlEditorProps {
  /** The text to start with; changing it (a different object, a reload) replaces the document. */
  value: string;
  readOnly?: boolean;
  schema: KindSchema | undefined;
  onChange?(text: string): void;
  testId?: string;
  label: string;
}

/**
 * CodeMirror 6 with YAML, checked and completed against the server's own OpenAPI schema of the
 * kind: lint marks (unknown fields, wrong types, missing required fields), completion of field
 * names (Ctrl+Space), and the field's documentation on hover.
 */
export function YamlEditor({ value, readOnly, schema, onChange, testId, label }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const schemaRef = useRef(schema);
  const onChangeRef = useRef(onChange);
  const ro = useRef(new Compartment());
  schemaRef.current = schema;
  onChangeRef.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          foldGutter(),
          lintGutter(),
          highlightActiveLine(),
          highlightActiveLineGutter(),
          highlightSelectionMatches(),
          history(),
          indentOnInput(),
          bracketMatching(),
          yaml(),
          syntaxHighlighting(highlight),
          theme,
          EditorState.tabSize.of(2),
          ro.current.of([EditorState.readOnly.of(readOnly ?? false), EditorView.editable.of(!readOnly)]),
          keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...completionKeymap, indentWithTab]),
          autocompletion({ override: [schemaCompletion(() => schemaRef.current)] }),
          linter((vw) => {
            const ks = schemaRef.current;
            return lintYaml(vw.state.doc.toString(), ks?.schemas ?? {}, ks?.root).map((d): CmDiagnostic => ({ ...d, to: Math.min(d.to, vw.state.doc.length), from: Math.min(d.from, vw.state.doc.length) }));
          }, { delay: 300 }),
          hoverTooltip((vw, pos) => {
            const ks = schemaRef.current;
            if (!ks?.root) return null;
            const place = placeAt(vw.state.doc.toString(), pos);
            if (!place?.onKey || !place.key) return null;
            const info = explain(ks.schemas, ks.root, [...place.path, place.key]);
            if (!info) return null;
            return {
              pos,
              create: () => {
                const dom = document.createElement('div');
                dom.className = 'cm-schema-doc';
                const head = document.createElement('div');
                head.className = 'cm-schema-head';
                head.textContent = `${info.path} (${info.type})`;
                const body = document.createElement('div');
                body.textContent = info.description;
                dom.append(head, body);
                return { dom };
              },
            };
          }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current?.(u.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ 'aria-label': label }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is made once; value and readOnly changes are applied below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: ro.current.reconfigure([EditorState.readOnly.of(readOnly ?? false), EditorView.editable.of(!readOnly)]) });
  }, [readOnly]);

  // A schema that arrives after the text: lint again.
  useEffect(() => {
    if (view.current && schema) forceLinting(view.current);
  }, [schema]);

  return <div ref={host} className="yaml-editor" data-testid={testId} />;
}
