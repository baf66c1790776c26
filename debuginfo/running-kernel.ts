// The running kernel's build-id, from `/sys/kernel/notes` (its ELF notes, raw): the build-id of a report
// only when the report's release is the running kernel's (`uname -r`): any other kernel's notes say nothing.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { NT_GNU_BUILD_ID } from './elf/elf-constants.js';

/** The GNU build-id in a buffer of raw ELF notes (host byte order unless told), as lowercase hex. */
export function buildIdFromNotes(notes: Uint8Array, little = os.endianness() === 'LE'): string | undefined {
  const view = new DataView(notes.buffer, notes.byteOffset, notes.byteLength);
  const align4 = (n: number): number => (n + 3) & ~3;
  for (let pos = 0; pos + 12 <= notes.length; ) {
    const namesz = view.getUint32(pos, little);
    const descsz = view.getUint32(pos + 4, little);
    const type = view.getUint32(pos + 8, little);
    const name = pos + 12;
    const desc = name + align4(namesz);
    if (desc + descsz > notes.length) return undefined;
    if (type === NT_GNU_BUILD_ID && namesz === 4 && Buffer.from(notes.subarray(name, name + 3)).toString('latin1') === 'GNU') {
      return Buffer.from(notes.subarray(desc, desc + descsz)).toString('hex');
    }
    pos = desc + align4(descsz);
  }
  return undefined;
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
