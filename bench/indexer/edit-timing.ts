// One file edited in memory, re-indexed and visible to a `-3` query, the way an editor session goes: the
// file is opened (its syntax tree parsed), then edited again and again, each edit adding a call of a new
// name. The first edit also compiles the extractor's code paths; the later ones show the steady state.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KernelIndex } from '../../indexer/index.js';

export interface EditTimes {
  /** Milliseconds to open the file (parse its tree). */
  openMs: number;
  /** Milliseconds of each edit until its new call is listed by `-3`, in order. */
  editMs: number[];
  /** Edits whose new caller the query did not list. */
  misses: number;
}

/** Times `edits` edits of `file`, then puts its original text back. */
export function timeEdits(index: KernelIndex, root: string, file: string, edits: number): EditTimes {
  const text = readFileSync(path.join(root, file), 'utf8');
  let t0 = performance.now();
  index.openFileText(file, text);
  const openMs = performance.now() - t0;
  const editMs: number[] = [];
  let misses = 0;
  for (let i = 0; i < edits; i++) {
    const marker = `crashnav_edit_marker_${i}_${Date.now()}`;
    t0 = performance.now();
    index.updateFileText(file, `${text}\nint ${marker}_fn(void) { return ${marker}(); }\n`);
    if (index.findCallers(marker).length !== 1) misses++;
    editMs.push(performance.now() - t0);
  }
  index.updateFileText(file, text);
  return { openMs, editMs, misses };
}

/** `first 120 ms, then median 80 ms, max 95 ms` */
export function describeEdits(t: EditTimes): string {
  const later = t.editMs.slice(1).sort((a, b) => a - b);
  const first = `opened in ${t.openMs.toFixed(0)} ms; first edit ${t.editMs[0]!.toFixed(0)} ms`;
  const rest = later.length > 0 ? `, then median ${later[later.length >> 1]!.toFixed(0)} ms, max ${later[later.length - 1]!.toFixed(0)} ms` : '';
  return `${first}${rest} (${t.editMs.length - t.misses}/${t.editMs.length} visible to -3)`;
}
