/**
 * The deepest nesting of objects and arrays a request body may have. kube-apiserver's JSON and
 * YAML decoders stop at 10,000 levels; here the registry, the patch code and the runtime's own
 * `structuredClone` and `JSON.stringify` recurse once a level and a JavaScript stack holds about
 * two thousand of their frames, so the limit is 1,000: a hundred times deeper than any real
 * Kubernetes object, and every path that walks a body handles it with room to spare.
 */
export const MAX_DEPTH = 1000;

/**
 * Whether JSON text nests deeper than `maxDepth`, found by one pass over the characters (strings
 * skipped) before anything parses it: V8's JSON.parse takes over half a second of CPU for a body
 * nested 400,000 levels, the scan a few milliseconds, and it stops at the first level too many.
 */
export function jsonTooDeep(text: string, maxDepth = MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** What is wrong with a decoded body's shape, or undefined when nothing is. */
export type ShapeProblem = { kind: 'depth'; message: string } | { kind: 'key'; message: string };

/**
 * Checks a decoded body without recursion: nesting at most {@link MAX_DEPTH} levels, and no key
 * `__proto__` (JSON.parse makes it an own property, but every later `obj[key] = value` copy would
 * set the prototype instead, which a merge patch can turn into a change of Object.prototype itself).
 */
export function shapeProblem(value: unknown, maxDepth = MAX_DEPTH): ShapeProblem | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return { kind: 'depth', message: `exceeded max depth of ${maxDepth}` };
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
      continue;
    }
    for (const k of Object.keys(v)) {
      if (k === '__proto__') return { kind: 'key', message: 'the key "__proto__" is not accepted' };
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
    }
  }
  return undefined;
}
