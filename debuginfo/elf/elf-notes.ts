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

/** The GNU build-id as lowercase hex, from any SHT_NOTE section (vmlinux keeps it in `.notes`). */
export function readBuildId(elf: ElfFile): string | undefined {
  for (const s of elf.sections) {
    if (s.type !== SHT_NOTE) continue;
    const r = new ByteReader(elf.sectionData(s), { file: elf.name, section: s.name, base: 0, errorClass: ElfFormatError });
    while (r.remaining >= 12) {
      const namesz = r.u32();
      const descsz = r.u32();
      const type = r.u32();
      const name = r.take(align4(namesz));
      const desc = r.take(align4(descsz)).subarray(0, descsz);
      if (type === NT_GNU_BUILD_ID && namesz === 4 && name[0] === 0x47 && name[1] === 0x4e && name[2] === 0x55) {
        return Buffer.from(desc).toString('hex');
      }
    }
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
