import { chainPrefix } from './names.js';
import { HOOKS, OPTIONAL_HOOKS, type Rule, type Table, type Target } from './types.js';

/**
 * Pure: the iptables-restore text that moves a host's tables from what `iptables-save` printed to
 * the node's desired rules, touching only the node's own chains (`SK<tag>-...`) and the rules that
 * link them from the built-in chains. One transaction per call (`iptables-restore --noflush`):
 * every chain of the node is declared (which flushes it) and refilled, stale ones are deleted,
 * missing links inserted at the top of their built-in chain, duplicate links removed verbatim.
 */

export const TABLES: readonly Table[] = ['filter', 'nat'];

/** One table of `iptables-save` output: its chain names and its `-A` lines. */
export interface SavedTable {
  chains: string[];
  rules: string[];
}

export type Saved = Record<Table, SavedTable>;

/** Parses `iptables-save` output (comments and counters ignored). Tables not printed are empty. */
export function parseSave(text: string): Saved {
  const out: Saved = { filter: { chains: [], rules: [] }, nat: { chains: [], rules: [] } };
  let current: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      const t = line.slice(1);
      current = t === 'filter' || t === 'nat' ? out[t] : undefined;
      continue;
    }
    if (!current || line === 'COMMIT') continue;
    if (line.startsWith(':')) current.chains.push(line.slice(1).split(' ')[0] ?? '');
    else if (line.startsWith('-A ')) current.rules.push(line);
  }
  return out;
}

/** The comment on the rules that link a node's chains: who owns the target. */
export function hookComment(node: string): string {
  return `skiff node ${node}`.slice(0, 200);
}

/** The restore text for `rules` (already validated), given the current tables. */
export function renderRestore(node: string, rules: readonly Rule[], saved: Saved): string {
  const prefix = `${chainPrefix(node)}-`;
  const full = (suffix: string) => `${prefix}${suffix}`;
  let out = '';
  for (const table of TABLES) {
    const mine = rules.filter((r) => r.table === table);
    const chains = new Set<string>([...Object.values(HOOKS[table]), ...Object.values(OPTIONAL_HOOKS[table])].map(full));
    for (const r of mine) {
      chains.add(full(r.chain));
      if (r.target.kind === 'jump') chains.add(full(r.target.chain));
    }
    const existing = saved[table].chains.filter((c) => c.startsWith(prefix));
    const stale = existing.filter((c) => !chains.has(c));
    const lines: string[] = [`*${table}`];
    for (const c of [...chains].sort()) lines.push(`:${c} - [0:0]`);
    for (const c of stale) lines.push(`:${c} - [0:0]`);
    for (const r of mine) lines.push(`-A ${full(r.chain)} ${ruleArgs(r, full).join(' ')}`);
    for (const c of stale) lines.push(`-X ${c}`);
    lines.push(...linkLines(node, table, saved[table]));
    lines.push('COMMIT');
    out += `${lines.join('\n')}\n`;
  }
  return out;
}

/** Inserts missing links and deletes duplicates (verbatim `-D` of the saved line). */
function linkLines(node: string, table: Table, saved: SavedTable): string[] {
  const lines: string[] = [];
  const hooks = [...Object.entries(HOOKS[table]), ...Object.entries(OPTIONAL_HOOKS[table]).filter(([chain]) => saved.chains.includes(chain))];
  for (const [builtin, suffix] of hooks) {
    const target = `${chainPrefix(node)}-${suffix}`;
    const present = saved.rules.filter((l) => l.startsWith(`-A ${builtin} `) && l.endsWith(` -j ${target}`));
    if (present.length === 0) lines.push(`-I ${builtin} 1 -m comment --comment ${quote(hookComment(node))} -j ${target}`);
    for (const dup of present.slice(1)) lines.push(`-D ${dup.slice(3)}`);
  }
  return lines;
}

/**
 * The text that removes everything of `node` from the saved tables: links first (verbatim `-D`),
 * then its chains flushed and deleted. Undefined when the node owns nothing there.
 */
export function renderCleanup(node: string, saved: Saved): { text: string; chains: number; links: number } | undefined {
  const prefix = `${chainPrefix(node)}-`;
  let text = '';
  let chains = 0;
  let links = 0;
  for (const table of TABLES) {
    const mine = saved[table].chains.filter((c) => c.startsWith(prefix));
    // Links: any rule of a chain that is not the node's, jumping to one that is.
    const refs = saved[table].rules.filter((l) => {
      const chain = l.split(' ')[1] ?? '';
      return !chain.startsWith(prefix) && new RegExp(` -j ${escape(prefix)}\\S+$`).test(l);
    });
    if (!mine.length && !refs.length) continue;
    chains += mine.length;
    links += refs.length;
    text += [`*${table}`, ...mine.map((c) => `:${c} - [0:0]`), ...refs.map((l) => `-D ${l.slice(3)}`), ...mine.map((c) => `-X ${c}`), 'COMMIT'].join('\n') + '\n';
  }
  return text ? { text, chains, links } : undefined;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function quote(comment: string): string {
  return `"${comment}"`;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A rule's match and target arguments, in iptables syntax. */
export function ruleArgs(r: Rule, full: (suffix: string) => string): string[] {
  const a: string[] = [];
  if (r.comment) a.push('-m', 'comment', '--comment', quote(r.comment));
  if (r.protocol) a.push('-p', r.protocol);
  if (r.source) a.push(...(r.notSource ? ['!'] : []), '-s', r.source);
  if (r.destination) a.push(...(r.notDestination ? ['!'] : []), '-d', r.destination);
  if (r.srcType) a.push('-m', 'addrtype', ...(r.notSrcType ? ['!'] : []), '--src-type', r.srcType);
  if (r.dstType) a.push('-m', 'addrtype', '--dst-type', r.dstType);
  if (r.ctstate?.length) a.push('-m', 'conntrack', '--ctstate', r.ctstate.join(','));
  if (r.mark) a.push('-m', 'mark', ...(r.mark.not ? ['!'] : []), '--mark', `${hex(r.mark.value)}/${hex(r.mark.mask)}`);
  if (r.dport !== undefined && r.protocol) a.push('-m', r.protocol, '--dport', r.dportEnd !== undefined && r.dportEnd !== r.dport ? `${r.dport}:${r.dportEnd}` : String(r.dport));
  if (r.probability !== undefined) a.push('-m', 'statistic', '--mode', 'random', '--probability', r.probability.toFixed(10));
  if (r.recent) {
    a.push('-m', 'recent', '--name', full(r.recent.name));
    if (r.recent.op === 'set') a.push('--set');
    else a.push('--rcheck', '--seconds', String(r.recent.seconds), '--reap');
  }
  a.push(...targetArgs(r.target, full));
  return a;
}

function targetArgs(t: Target, full: (suffix: string) => string): string[] {
  switch (t.kind) {
    case 'jump':
      return ['-j', full(t.chain)];
    case 'DNAT':
      // A DNAT to a port needs `-p` on the rule (validate.ts requires it).
      return ['-j', 'DNAT', '--to-destination', t.to];
    case 'MARK':
      return 'or' in t ? ['-j', 'MARK', '--or-mark', hex(t.or)] : ['-j', 'MARK', '--xor-mark', hex(t.xor)];
    default:
      return ['-j', t.kind];
  }
}
