// One copy of each of the few strings a city's in-memory records repeat (lot ids, device kinds):
// pg gives every row its own, so a city's 250k bays and 255k devices held as many copies of ~2,000
// lot ids, each of them marked by every major collection (docs/performance.md, twenty-seventh session).
// Only for values of few kinds: what goes in stays for the life of the process.
const strings = new Map<string, string>();

export function intern<T extends string | null>(s: T): T {
  if (s === null) return s;
  const had = strings.get(s);
  if (had !== undefined) return had as T;
  strings.set(s, s);
  return s;
}
