import { parseAllDocuments } from 'yaml';
import type { KubeObject, StatusCause } from '../../orchestrator/api/types.js';
import type { ApplyOutcome, KubeApi } from './client.js';
import { ApiRequestError, messageOf } from './errors.js';
import { isRecord } from './guards.js';

/** One document of a dropped file: an object to apply, or why it cannot be. */
export interface ManifestDoc {
  /** `file.yaml #2` — where it came from, for the result list. */
  source: string;
  /** `Deployment web` once known. */
  label: string;
  object?: KubeObject;
  error?: string;
}

/**
 * Splits a YAML or JSON file into its documents, in order. Empty documents (a trailing `---`) are
 * skipped; a `kind: List` contributes its items; a document that does not parse, or is not an
 * object with apiVersion, kind and metadata, becomes an error entry so the user sees every one.
 */
export function parseManifests(text: string, fileName: string): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  const docs = parseAllDocuments(text);
  const all = Array.isArray(docs) ? docs : [docs];
  all.forEach((doc, i) => {
    const source = all.length > 1 ? `${fileName} #${i + 1}` : fileName;
    if (doc.errors.length > 0) {
      out.push({ source, label: 'unparsable document', error: doc.errors.map((e) => e.message).join('; ') });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, j: number) => out.push(toDoc(item, `${source} item ${j + 1}`)));
      return;
    }
    out.push(toDoc(value, source));
  });
  return out;
}

function toDoc(value: unknown, source: string): ManifestDoc {
  if (!isRecord(value)) return { source, label: 'not an object', error: 'a manifest must be a mapping with apiVersion, kind and metadata' };
  const kind = typeof value.kind === 'string' ? value.kind : undefined;
  const metadata = isRecord(value.metadata) ? value.metadata : undefined;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  const label = `${kind ?? 'object'} ${name ?? '(no name)'}`;
  const missing = [
    typeof value.apiVersion === 'string' ? undefined : 'apiVersion',
    kind ? undefined : 'kind',
    metadata ? undefined : 'metadata',
  ].filter((f): f is string => f !== undefined);
  if (missing.length > 0) return { source, label, error: `missing ${missing.join(', ')}` };
  return { source, label, object: value as KubeObject };
}

/** The outcome shown for one document. */
export interface ApplyDocResult {
  source: string;
  label: string;
  outcome: ApplyOutcome | 'error';
  message?: string;
  causes?: StatusCause[];
}

/**
 * Applies documents one after another, in file order (a Namespace before what goes in it), reporting
 * each result as soon as it is known (`unchanged` when a document matches what is there). A failure
 * does not stop the rest, as with `kubectl apply -f`.
 */
export async function applyManifests(api: KubeApi, docs: ManifestDoc[], onResult: (r: ApplyDocResult, index: number) => void): Promise<ApplyDocResult[]> {
  const results: ApplyDocResult[] = [];
  for (const [i, doc] of docs.entries()) {
    let r: ApplyDocResult;
    if (!doc.object) {
      r = { source: doc.source, label: doc.label, outcome: 'error', message: doc.error ?? 'invalid document' };
    } else {
      try {
        const { outcome } = await api.applyReporting(doc.object);
        r = { source: doc.source, label: doc.label, outcome };
      } catch (e) {
        r = { source: doc.source, label: doc.label, outcome: 'error', message: messageOf(e), causes: e instanceof ApiRequestError ? e.causes : [] };
      }
    }
    results.push(r);
    onResult(r, i);
  }
  return results;
}
