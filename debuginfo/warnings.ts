// The remarks debuginfo/ attaches to its answers, as typed records: adapters render `message` and
// decide by `code` (exit status, banners, diagnostics), never by the text.

export type DebugWarningCode =
  /** The vmlinux's `linux_banner` names another release than the report. */
  | 'release-mismatch'
  /** Same release, another build (`#1 ... Debian 6.1.186-1` against `6.1.187-1`). */
  | 'build-mismatch'
  /** The vmlinux's GNU build-id is not the one the report carries. */
  | 'build-id-mismatch'
  /** The file given as the vmlinux is an ELF file but no kernel image (a `.ko`, `/bin/ls`). */
  | 'not-vmlinux'
  /** A module's `vermagic` names another release than the report. */
  | 'module-vermagic'
  /** A module's GNU build-id is not the one its `[mod <build-id>]` frames show. */
  | 'module-build-id-mismatch'
  /** A module's `srcversion` differs from the one the report lists. */
  | 'module-srcversion'
  /** The report's `func+off/len` length is not one the kernel can have printed for this binary's symbol. */
  | 'size-mismatch'
  /** No file for a module the report names. */
  | 'module-not-found'
  /** A module file exists but is not a readable ELF file (the ELF error is in the message). */
  | 'module-corrupt'
  /** Several symbols carry the name; which one was used is in the message. */
  | 'ambiguous-symbol'
  /** The offset lies past the end of the symbol. */
  | 'offset-past-end'
  /** The name is no function of the binary. */
  | 'symbol-not-found'
  /** The text is no `func+off/len`. */
  | 'bad-frame-spec'
  /** The binary has no DWARF: function+offset from a symbol table, no line. */
  | 'no-dwarf'
  /** The DWARF of this address is corrupt: the symbol table answered. */
  | 'dwarf-unreadable';

export interface DebugWarning {
  code: DebugWarningCode;
  /** One line for a person, as good as a plain message would be. */
  message: string;
  /** The binary the warning is about, as the user named it. */
  file?: string;
  /** The module the warning is about (name as the report spells it, `_` for `-`). */
  module?: string;
}

/** The codes that mean "these are probably not the binaries that crashed" (`resolve` exits 3 on them). */
export const wrongBinaryCodes: ReadonlySet<DebugWarningCode> = new Set<DebugWarningCode>([
  'release-mismatch',
  'build-mismatch',
  'build-id-mismatch',
  'not-vmlinux',
  'module-vermagic',
  'module-srcversion',
  'module-build-id-mismatch',
  'size-mismatch',
]);

export function isWrongBinary(warning: DebugWarning): boolean {
  return wrongBinaryCodes.has(warning.code);
}
