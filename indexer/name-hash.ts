// The key of a name in the per-file reference blobs: FNV-1a over the UTF-16 code units.

/**
 * The hash of `text.slice(start, end)`, without making the string, as a signed 32-bit integer: a small
 * integer to V8, so a set of them allocates nothing per entry.
 */
export function nameHashAt(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** The same bits unsigned, as the blobs store them. */
export function nameHash(name: string): number {
  return nameHashAt(name, 0, name.length) >>> 0;
}
