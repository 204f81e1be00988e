import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../orchestrator/api/types.js';
import { isKubeObject } from '../../api/guards.js';

/** The one object an editor holds, or why it is not one (said in the editor's words). */
export function parseOne(text: string): { object: KubeObject } | { error: string } {
  const docs = parseAllDocuments(text);
  const all = (Array.isArray(docs) ? docs : [docs]).filter((d) => d.contents !== null);
  if (all.length !== 1) return { error: all.length === 0 ? 'The editor is empty.' : 'The editor holds several documents: edit one object at a time (drop a file on the canvas for several).' };
  const doc = all[0] as (typeof all)[number];
  if (doc.errors.length > 0) return { error: `YAML: ${doc.errors[0]?.message.split('\n')[0] ?? 'cannot be read'}` };
  const value: unknown = doc.toJS();
  if (!isKubeObject(value) || typeof value.apiVersion !== 'string') return { error: 'An object needs apiVersion, kind and metadata.' };
  return { object: value };
}
