// Identity notes of an ELF file: the GNU build-id, `.gnu_debuglink`, and a module's `.modinfo`
// (vermagic, srcversion, name) — what tells us whether a binary is the one that crashed.
import { ByteReader } from '../byte-reader.js';
import { ElfFormatError } from '../errors.js';
import { NT_GNU_BUILD_ID, SHT_NOTE } from './elf-constants.js';
import { ElfFile } from './elf-file.js';

/** The build-id of the ELF file at `file`, opened and closed here; throws ElfFormatError when it is not ELF. */
export function readFileBuildId(file: string): string | undefined {
  const elf = ElfFile.open(file);
  try {
    return readBuildId(elf);
  } finally {
    elf.close();
  }
}

export interface ElfNote {
  /** The note's owner without its NULs, e.g. `GNU`, `CORE`, `VMCOREINFO`, `QEMU`. */
  name: string;
  type: number;
  desc: Uint8Array;
}

const latin1 = new TextDecoder('latin1');

/**
 * The notes of a raw note stream (a SHT_NOTE section, a PT_NOTE segment, `/sys/kernel/notes`), in order. The
 * stream ends at its last whole note or at an all-zero header (the padding /proc/vmcore leaves after the
 * notes it merged); `truncatedAt` is where a note ran past the end, when one did.
 */
export function parseNotes(bytes: Uint8Array, littleEndian = true): { notes: ElfNote[]; truncatedAt?: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notes: ElfNote[] = [];
  for (let pos = 0; pos + 12 <= bytes.length; ) {
    const namesz = view.getUint32(pos, littleEndian);
    const descsz = view.getUint32(pos + 4, littleEndian);
    const type = view.getUint32(pos + 8, littleEndian);
    if (namesz === 0 && descsz === 0 && type === 0) break;
    const nameAt = pos + 12;
    // Sizes are 32-bit and untrusted: padded in plain arithmetic, never with 32-bit bitwise operators.
    const descAt = nameAt + namesz + ((4 - (namesz % 4)) % 4);
    if (descAt + descsz > bytes.length) return { notes, truncatedAt: pos };
    const name = latin1.decode(bytes.subarray(nameAt, nameAt + namesz)).replace(/\0+$/, '');
    notes.push({ name, type, desc: bytes.subarray(descAt, descAt + descsz) });
    pos = descAt + descsz + ((4 - (descsz % 4)) % 4);
  }
  return { notes };
}

/** The GNU build-id among notes, as lowercase hex. */
export function gnuBuildId(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((n) => n.type === NT_GNU_BUILD_ID && n.name === 'GNU');
  return note && Buffer.from(note.desc).toString('hex');
}

/** The GNU build-id as lowercase hex, from any SHT_NOTE section (vmlinux keeps it in `.notes`). */
export function readBuildId(elf: ElfFile): string | undefined {
  for (const s of elf.sections) {
    if (s.type !== SHT_NOTE) continue;
    const { notes, truncatedAt } = parseNotes(elf.sectionData(s));
    const id = gnuBuildId(notes);
    if (id) return id;
    if (truncatedAt !== undefined) throw new ElfFormatError({ file: elf.name, section: s.name, offset: truncatedAt, code: 'truncated' }, 'a note runs past the end of the section');
  }
  return undefined;
}

export interface Debuglink {
  file: string;
  crc: number;
}

export function readDebuglink(elf: ElfFile): Debuglink | undefined {
  const s = elf.findSection('.gnu_debuglink');
  if (!s) return undefined;
  const r = new ByteReader(elf.sectionData(s), { file: elf.name, section: s.name, base: 0, errorClass: ElfFormatError });
  const file = r.cstring();
  r.pos = align4(r.pos);
  return { file, crc: r.u32() };
}

/** `.modinfo` key=value pairs of a kernel module (first value wins for repeated keys such as alias). */
export function readModinfo(elf: ElfFile): Map<string, string> {
  const out = new Map<string, string>();
  const s = elf.findSection('.modinfo');
  if (!s) return out;
  const text = Buffer.from(elf.sectionData(s)).toString('latin1');
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !out.has(entry.slice(0, eq))) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
