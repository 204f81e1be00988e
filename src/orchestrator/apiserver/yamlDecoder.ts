import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { errors } from '../api/errors.js';
import { systemClock, type Clock } from '../util/clock.js';

/** How long one YAML document may take to decode before the request is refused. */
export const YAML_TIMEOUT_MS = 10_000;

/**
 * The worker's program (CommonJS, run with `eval`, so that it needs no file of its own in any
 * build). It parses to the YAML library's concrete syntax tree first, which its parser builds
 * without recursion, and measures the nesting there: the composer that turns the tree into values
 * recurses once a level, so a document nested deeper than `maxDepth` is refused before it runs.
 * Aliases are bounded by the library's `maxAliasCount` (billion laughs). Keys must be scalars and
 * `!!binary` values become strings, as sigs.k8s.io/yaml converts YAML to JSON.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const YAML = require(workerData.yamlPath);
function cstDepth(root) {
  let max = 0;
  const stack = [[root, 0]];
  while (stack.length) {
    const [t, d] = stack.pop();
    if (!t || typeof t !== 'object') continue;
    const nested = t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection';
    const depth = nested ? d + 1 : d;
    if (depth > max) max = depth;
    if (t.value) stack.push([t.value, depth]);
    if (Array.isArray(t.items)) for (const it of t.items) { if (it.key) stack.push([it.key, depth]); if (it.value) stack.push([it.value, depth]); }
  }
  return max;
}
function checkKeys(doc) {
  const stack = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (!n || typeof n !== 'object' || !Array.isArray(n.items)) continue;
    for (const it of n.items) {
      if (YAML.isPair(it)) {
        if (YAML.isCollection(it.key)) throw new Error('yaml: unsupported map key: only strings, numbers, booleans and null may be keys');
        stack.push(it.value);
      } else stack.push(it);
    }
  }
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
function revive(key, value) {
  if (value instanceof Uint8Array) {
    try { return utf8.decode(value); } catch { throw new Error('yaml: a !!binary value is not valid UTF-8'); }
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map || value instanceof Set) throw new Error('yaml: unsupported value (!!set, !!omap or !!pairs)');
  return value;
}
parentPort.on('message', ({ id, text, maxDepth }) => {
  try {
    const tokens = [...new YAML.Parser().parse(text)];
    for (const t of tokens) {
      if (cstDepth(t) > maxDepth) throw new Error('yaml: exceeded max depth of ' + maxDepth);
    }
    const composer = new YAML.Composer({ uniqueKeys: false, merge: true, prettyErrors: false });
    const docs = [...composer.compose(tokens, true)];
    if (docs.length !== 1) throw new Error('yaml: the body holds ' + docs.length + ' documents; send one');
    const doc = docs[0];
    if (doc.errors.length) throw new Error('yaml: ' + doc.errors[0].message.split('\\n')[0]);
    checkKeys(doc);
    const value = doc.toJS({ maxAliasCount: 100, reviver: revive });
    parentPort.postMessage({ id, json: JSON.stringify(value === undefined ? null : value) });
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
`;

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  cancel(): void;
}

/**
 * Decodes YAML request bodies on a worker thread, one document at a time. The YAML library is about
 * a hundred times slower than JSON.parse and superlinear on some inputs, so no YAML is ever parsed
 * on the API's event loop; a document that takes longer than {@link YAML_TIMEOUT_MS} ends its
 * worker and is refused with a 400. Errors are worded as kube-apiserver's YAML decoder words them:
 * `error converting YAML to JSON: yaml: ...`. The worker never keeps the process alive.
 */
export class YamlDecoder {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly maxDepth: number,
    private readonly clock: Clock = systemClock,
    private readonly timeoutMs = YAML_TIMEOUT_MS,
  ) {}

  /** The value of a one-document YAML text; a 400 ApiError for anything it cannot decode. */
  decode(text: string): Promise<unknown> {
    // One at a time: a slow document delays the next YAML body, never the event loop.
    const run = this.queue.then(() => this.decodeNow(text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private decodeNow(text: string): Promise<unknown> {
    const worker = this.start();
    const id = ++this.seq;
    return new Promise<unknown>((resolve, reject) => {
      const cancel = this.clock.setTimeout(() => {
        this.stop(errors.badRequest(`error converting YAML to JSON: yaml: the document took longer than ${this.timeoutMs / 1000}s to decode`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, cancel });
      worker.ref();
      worker.postMessage({ id, text, maxDepth: this.maxDepth });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const yamlPath = createRequire(__filename).resolve('yaml');
    // A deep stack for the composer, and a heap bound for what aliases and long documents make.
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { yamlPath }, resourceLimits: { stackSizeMb: 32, maxOldGenerationSizeMb: 512 } });
    w.unref();
    w.on('message', (m: { id: number; json?: string; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.cancel();
      if (this.pending.size === 0) w.unref();
      if (m.error !== undefined) p.reject(errors.badRequest(`error converting YAML to JSON: ${m.error}`));
      else p.resolve(JSON.parse(m.json ?? 'null'));
    });
    w.on('error', (e) => this.stop(errors.badRequest(`error converting YAML to JSON: yaml: ${e.message}`)));
    w.on('exit', () => {
      if (this.worker === w) this.stop(errors.internal('the YAML decoder stopped'));
    });
    this.worker = w;
    return w;
  }

  /** Ends the worker (a new one starts for the next document) and fails what it was doing. */
  private stop(reason: unknown): void {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) {
      p.cancel();
      p.reject(reason);
    }
    this.pending.clear();
    void w?.terminate();
  }

  dispose(): void {
    this.stop(errors.unavailable('the API server is stopping'));
  }
}
