/** etcd's key-range convention over binary-string keys (string order equals byte order). */

/** True if `key` lies in [start, end) with etcd's special ends: '' = only start, '\0' = to the end. */
export function inRange(key: string, start: string, end: string | undefined): boolean {
  if (end === undefined || end === '') return key === start;
  if (end === '\0') return key >= start;
  return key >= start && key < end;
}

/** Index of the first element >= key in a sorted array. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The keys of a sorted array that fall in the range, in order. */
export function keysInRange(sorted: readonly string[], start: string, end: string | undefined): string[] {
  if (end === undefined || end === '') {
    const i = lowerBound(sorted, start);
    return sorted[i] === start ? [start] : [];
  }
  const out: string[] = [];
  for (let i = lowerBound(sorted, start); i < sorted.length; i++) {
    const key = sorted[i] as string;
    if (!inRange(key, start, end)) break;
    out.push(key);
  }
  return out;
}

/** The exclusive end that covers every key with this prefix. */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return '\0';
}
