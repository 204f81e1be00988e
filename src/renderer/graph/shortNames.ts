/**
 * Zoomed far out, a node or Service card's title is drawn large and has room for a few characters
 * only: "node-001" … "node-100" would all read "nod…". The part that tells cards of one kind apart
 * is what their names do not share, so far out such a card shows that part ("001") and keeps its
 * full name as its tooltip.
 */
const SEPARATORS = '-._:/';

/**
 * For names that share a prefix or a suffix, each name's distinctive middle: the common prefix cut
 * back to its last separator and the common suffix cut forward to its first (so "app-000" …
 * "app-099" give "000" … "099", not "00" … "99", and "pi4.home.lan" gives "pi4"). Names that share
 * neither, a lone name, or a name that would be left empty get no entry.
 */
export function distinctiveNames(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const unique = [...new Set(names)];
  if (unique.length < 2) return out;
  const first = unique[0] as string;
  let pre = first.length;
  let suf = first.length;
  for (const n of unique) {
    let i = 0;
    while (i < pre && i < n.length && first[i] === n[i]) i++;
    pre = i;
    let j = 0;
    while (j < suf && j < n.length && first[first.length - 1 - j] === n[n.length - 1 - j]) j++;
    suf = j;
  }
  while (pre > 0 && !SEPARATORS.includes(first[pre - 1] as string)) pre--;
  while (suf > 0 && !SEPARATORS.includes(first[first.length - suf] as string)) suf--;
  if (pre === 0 && suf === 0) return out;
  for (const n of unique) {
    const rest = n.slice(pre, n.length - suf);
    if (rest && pre + suf < n.length) out.set(n, rest);
  }
  return out;
}
