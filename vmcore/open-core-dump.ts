// Opens a vmcore of any format this folder reads, told apart by its first bytes: ELF, kdump-compressed
// ("KDUMP   "), or makedumpfile's flattened stream ("makedumpfile") of either.
import { ElfFormatError, fileByteSource, type ByteSource } from '../debuginfo/index.js';
import type { CoreDump } from './core-dump.js';
import { openElfCore } from './elf-core.js';
import { VmcoreError } from './errors.js';
import { FLATTENED_SIGNATURE, flattenedByteSource } from './flattened.js';
import { KDUMP_SIGNATURE, openKdumpCompressed } from './kdump-compressed.js';

/** Opens the dump at `path` (read lazily: only headers, notes and the page bitmap at open). */
export function openCoreDump(path: string): CoreDump {
  let source: ByteSource;
  try {
    source = fileByteSource(path);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new VmcoreError(path, 'not-a-vmcore', 'a directory, not a vmcore');
    throw e;
  }
  try {
    return openCoreDumpSource(path, source);
  } catch (e) {
    source.close();
    throw e;
  }
}

/** A dump from bytes already open (`file` names it in errors); the dump owns `source` from here. */
export function openCoreDumpSource(file: string, source: ByteSource): CoreDump {
  const magic = String.fromCharCode(...source.read(0, 16));
  if (magic.startsWith(FLATTENED_SIGNATURE)) {
    const inner = flattenedByteSource(file, source);
    const innerMagic = String.fromCharCode(...inner.read(0, 8));
    if (innerMagic.startsWith(KDUMP_SIGNATURE)) return openKdumpCompressed(file, inner, 'flattened');
    if (innerMagic.startsWith('\x7fELF')) return openElfCore(file, inner, 'flattened');
    throw new VmcoreError(file, 'not-a-vmcore', 'a flattened stream of neither a kdump-compressed nor an ELF dump');
  }
  if (magic.startsWith(KDUMP_SIGNATURE)) return openKdumpCompressed(file, source);
  if (magic.startsWith('\x7fELF')) return openElfCore(file, source);
  if (magic.startsWith('DISKDUMP')) throw new VmcoreError(file, 'unsupported', 'a diskdump (the format before kdump) is not read');
  throw new VmcoreError(file, 'not-a-vmcore', 'neither ELF, kdump-compressed nor flattened');
}

/**
 * Whether the file at `path` starts as a dump this folder reads (an ELF core, kdump-compressed, flattened):
 * 20 bytes, so a caller can tell a vmcore from a text log before reading either.
 */
export function isCoreDumpFile(path: string): boolean {
  let source: ByteSource;
  try {
    source = fileByteSource(path);
  } catch {
    // Missing, a directory, unreadable: not a dump; the text reader says why.
    return false;
  }
  try {
    const head = source.read(0, 20);
    const magic = String.fromCharCode(...head.subarray(0, 12));
    if (magic.startsWith(FLATTENED_SIGNATURE) || magic.startsWith(KDUMP_SIGNATURE)) return true;
    // ELF, 64-bit, little-endian, e_type ET_CORE.
    return magic.startsWith('\x7fELF') && head[4] === 2 && head[5] === 1 && head[16] === 4 && head[17] === 0;
  } finally {
    source.close();
  }
}
