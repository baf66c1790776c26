// The ELF note stream of a dump (a PT_NOTE segment, or the note area a kdump-compressed header points at):
// per-CPU NT_PRSTATUS, VMCOREINFO, qemu's CPU state. A stream ends at its last whole note or at an all-zero
// header (the padding /proc/vmcore leaves after the notes it merged).
import type { ElfNote } from './core-dump.js';

const latin1 = new TextDecoder('latin1');

/** The notes in `bytes`, in order; a note cut short by the end of the bytes is dropped, never read past. */
export function parseCoreNotes(bytes: Uint8Array): ElfNote[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notes: ElfNote[] = [];
  let pos = 0;
  while (pos + 12 <= bytes.length) {
    const namesz = view.getUint32(pos, true);
    const descsz = view.getUint32(pos + 4, true);
    const type = view.getUint32(pos + 8, true);
    if (namesz === 0 && descsz === 0 && type === 0) break;
    const nameAt = pos + 12;
    const descAt = nameAt + align4(namesz);
    const end = descAt + align4(descsz);
    if (descAt + descsz > bytes.length) break;
    const name = latin1.decode(bytes.subarray(nameAt, nameAt + namesz)).replace(/\0+$/, '');
    notes.push({ name, type, desc: bytes.subarray(descAt, descAt + descsz) });
    pos = end;
  }
  return notes;
}

/** The VMCOREINFO note's text, trailing NULs removed. */
export function vmcoreinfoOfNotes(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((n) => n.name === 'VMCOREINFO');
  return note === undefined ? undefined : vmcoreinfoText(note.desc);
}

export function vmcoreinfoText(bytes: Uint8Array): string {
  return latin1.decode(bytes).replace(/\0+$/, '');
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}
