import YAML from 'yaml';
import { ApiError, errors } from '../api/errors.js';
import { jsonTooDeep, MAX_DEPTH, shapeProblem } from './bodyShape.js';
import { decodeKubeProtobuf } from './protobuf/decode.js';

/**
 * How a body is read: `json` (application/json and the patch types), `yaml` (JSON first, since
 * JSON is YAML and JSON.parse is a hundred times faster; YAML otherwise), `jsonOrYaml` (no
 * Content-Type: JSON, and YAML when JSON fails) and `protobuf`.
 */
export type BodyKind = 'json' | 'yaml' | 'jsonOrYaml' | 'protobuf';

const JSON_PREFIX = "couldn't get version/kind; json parse error: ";
const YAML_PREFIX = 'error converting YAML to JSON: ';
const PROTO_PREFIX = 'the body of the request could not be decoded as protobuf: ';

/**
 * Decodes one body synchronously: the same code runs inline on the API's event loop for small
 * bodies and on a decoder worker for big ones (bodyDecoder.ts), so both answer alike. Checks the
 * shape (nesting, `__proto__` keys; see bodyShape.ts) and throws a 400 ApiError, worded as
 * kube-apiserver's decoders word it, for anything it cannot decode. YAML is decoded only here
 * when `yaml` is allowed: on the event loop it is not (the library is slow and superlinear on
 * some inputs), and `'needsYaml'` comes back instead.
 */
export function decodeBodySync(kind: BodyKind, buf: Uint8Array, allowYaml: boolean, maxDepth = MAX_DEPTH): unknown {
  if (kind === 'protobuf') return checked(decodeKubeProtobuf(buf), PROTO_PREFIX, maxDepth);
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  if (!text.trim()) throw errors.badRequest('the request body is empty');
  const json = (): unknown => {
    if (jsonTooDeep(text, maxDepth)) throw errors.badRequest(`${JSON_PREFIX}exceeded max depth of ${maxDepth}`);
    return checked(JSON.parse(text), JSON_PREFIX, maxDepth);
  };
  const yaml = (): unknown => (allowYaml ? checked(decodeYaml(text, maxDepth), `${YAML_PREFIX}yaml: `, maxDepth) : NEEDS_YAML);
  if (kind === 'yaml') {
    if (/^\s*[[{]/.test(text)) {
      try {
        return json();
      } catch (e) {
        if (e instanceof ApiError) throw e;
      }
    }
    return yaml();
  }
  try {
    return json();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (kind === 'jsonOrYaml') {
      try {
        return yaml();
      } catch {
        /* fall through to the JSON error */
      }
    }
    throw errors.badRequest(`${JSON_PREFIX}${firstLine(e)}`);
  }
}

/** What {@link decodeBodySync} returns when the body is YAML and YAML was not allowed. */
export const NEEDS_YAML: unique symbol = Symbol('needsYaml');

function checked(value: unknown, prefix: string, maxDepth: number): unknown {
  const p = shapeProblem(value, maxDepth);
  if (p) throw errors.badRequest(prefix + p.message);
  return value;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/**
 * One YAML document as sigs.k8s.io/yaml reads it. It parses to the YAML library's concrete syntax
 * tree first, which its parser builds without recursion, and measures the nesting there: the
 * composer that turns the tree into values recurses once a level, so a document nested deeper
 * than `maxDepth` is refused before it runs. Aliases are bounded by `maxAliasCount` (billion
 * laughs). Keys must be scalars and `!!binary` values become strings, as sigs.k8s.io/yaml converts
 * YAML to JSON. Errors are thrown as `Error('yaml: ...')` (the caller adds kube-apiserver's prefix).
 */
function decodeYaml(text: string, maxDepth: number): unknown {
  try {
    const tokens = [...new YAML.Parser().parse(text)];
    for (const t of tokens) if (cstDepth(t) > maxDepth) throw new Error(`yaml: exceeded max depth of ${maxDepth}`);
    const composer = new YAML.Composer({ uniqueKeys: false, merge: true, prettyErrors: false });
    const docs = [...composer.compose(tokens, true)];
    if (docs.length !== 1) throw new Error(`yaml: the body holds ${docs.length} documents; send one`);
    const doc = docs[0] as YAML.Document.Parsed;
    const first = doc.errors[0];
    if (first) throw new Error(`yaml: ${first.message.split('\n')[0] ?? ''}`);
    checkKeys(doc);
    // Dates and binary become strings, sets and ordered maps errors; the caller sends the value on
    // as JSON text, which makes the rest plain.
    const value: unknown = doc.toJS({ maxAliasCount: 100, reviver: revive });
    return value === undefined ? null : value;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw errors.badRequest(`${YAML_PREFIX}${firstLine(e).startsWith('yaml: ') ? firstLine(e) : `yaml: ${firstLine(e)}`}`);
  }
}

interface CstNode {
  type?: string;
  value?: unknown;
  items?: { key?: unknown; value?: unknown }[];
}

function cstDepth(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [t, d] = stack.pop() as [unknown, number];
    if (!t || typeof t !== 'object') continue;
    const n = t as CstNode;
    const nested = n.type === 'block-map' || n.type === 'block-seq' || n.type === 'flow-collection';
    const depth = nested ? d + 1 : d;
    if (depth > max) max = depth;
    if (n.value) stack.push([n.value, depth]);
    if (Array.isArray(n.items)) {
      for (const it of n.items) {
        if (it.key) stack.push([it.key, depth]);
        if (it.value) stack.push([it.value, depth]);
      }
    }
  }
  return max;
}

function checkKeys(doc: YAML.Document.Parsed): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (!YAML.isCollection(n)) continue;
    for (const it of n.items) {
      if (YAML.isPair(it)) {
        if (YAML.isCollection(it.key)) throw new Error('yaml: unsupported map key: only strings, numbers, booleans and null may be keys');
        stack.push(it.value);
      } else stack.push(it);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function revive(_key: unknown, value: unknown): unknown {
  if (value instanceof Uint8Array) {
    try {
      return utf8.decode(value);
    } catch {
      throw new Error('yaml: a !!binary value is not valid UTF-8');
    }
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map || value instanceof Set) throw new Error('yaml: unsupported value (!!set, !!omap or !!pairs)');
  return value;
}
