// The running kernel's build-id, from `/sys/kernel/notes` (its ELF notes, raw): the build-id of a report
// only when the report's release is the running kernel's (`uname -r`): any other kernel's notes say nothing.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { gnuBuildId, parseNotes } from './elf/elf-notes.js';

/** The GNU build-id in a buffer of raw ELF notes (host byte order unless told), as lowercase hex. */
export function buildIdFromNotes(notes: Uint8Array, little = os.endianness() === 'LE'): string | undefined {
  return gnuBuildId(parseNotes(notes, little).notes);
}

/** The build-id of the running kernel when it is `release`, else undefined (also when the notes cannot be read). */
export function runningKernelBuildId(release: string, where: { notes?: string; runningRelease?: string } = {}): string | undefined {
  if (release !== (where.runningRelease ?? os.release())) return undefined;
  try {
    return buildIdFromNotes(readFileSync(where.notes ?? '/sys/kernel/notes'));
  } catch {
    return undefined;
  }
}
