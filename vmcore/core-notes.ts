// VMCOREINFO among a dump's notes (read by debuginfo/'s parseNotes from a PT_NOTE segment or the note area a
// kdump-compressed header points at), as the text vmcoreinfo.ts parses.
import type { ElfNote } from './core-dump.js';

const latin1 = new TextDecoder('latin1');

/** The VMCOREINFO note's text, trailing NULs removed. */
export function vmcoreinfoOfNotes(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((n) => n.name === 'VMCOREINFO');
  return note === undefined ? undefined : vmcoreinfoText(note.desc);
}

export function vmcoreinfoText(bytes: Uint8Array): string {
  return latin1.decode(bytes).replace(/\0+$/, '');
}
