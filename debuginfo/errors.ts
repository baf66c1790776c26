// Typed errors for malformed binaries: each names the file, the section, the offset and a short code,
// so a message reads `vmlinux: .debug_line+0x1a2f: line_range is zero` and tests can assert the code.

export interface FormatErrorPlace {
  /** The file as the user named it (path or display name). */
  file: string;
  /** Section name, or `(file)` for the ELF header and section table. */
  section: string;
  /** Byte offset inside the section (or file). */
  offset: number;
  /** Stable short code, e.g. `truncated`, `bad-magic`, `cyclic-reference`. */
  code: string;
}

abstract class FormatError extends Error implements FormatErrorPlace {
  readonly file: string;
  readonly section: string;
  readonly offset: number;
  readonly code: string;
  constructor(place: FormatErrorPlace, detail: string) {
    super(`${place.file}: ${place.section}+0x${Math.max(0, place.offset).toString(16)}: ${detail}`);
    this.file = place.file;
    this.section = place.section;
    this.offset = place.offset;
    this.code = place.code;
  }
}

/** The ELF container is malformed or unsupported (big-endian, wrong magic, sections past the end...). */
export class ElfFormatError extends FormatError {
  override name = 'ElfFormatError';
}

/** A DWARF section is malformed (truncated unit, unknown form, cyclic DIE reference...). */
export class DwarfFormatError extends FormatError {
  override name = 'DwarfFormatError';
}

export type FormatErrorClass = typeof ElfFormatError | typeof DwarfFormatError;
