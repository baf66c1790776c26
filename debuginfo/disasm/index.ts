// Public API of debuginfo/disasm/: objdump-spelled disassembly of x86-64 and AArch64 code, source
// interleave, and the oops `Code:` line (parse, decode as scripts/decodecode does, render).

/** The instruction record, `renderInstructionText` (objdump's text after the bytes) and shared types. */
export {
  type AddressNamer,
  type CodeRelocation,
  type DisasmArch,
  type DisasmInstruction,
  type DisasmSyntax,
  renderInstructionText,
} from './instruction.js';
/** `disassemble({ arch, bytes, address, syntax?, nameAddress?, relocations? })` → instructions. */
export { disassemble, type DisassembleRequest } from './disassemble.js';
/** Pure parser of an oops `Code:` line: bytes, unit size, marker offset, or the "Unable to access" address. */
export { parseCodeLine, type CodeLine, type CodeLineParse, type CodeLineProblem } from './code-line.js';
/** scripts/decodecode: decode from the start, from the marker, and the fewest skipped bytes that land on it. */
export { decodeCode, guessCodeArch, type DecodedCode, type DecodedCodeListing, type DecodeCodeOptions } from './decode-code.js';
/** decodecode's text layout ("All code", `:*` and `<-- trapping instruction`). */
export { renderDecodedCode } from './render-decoded-code.js';
/** A function or range of a vmlinux/`.ko` with symbols, inline chains and `.ko` relocations. */
export {
  disassembleFromFile,
  listingOf,
  parseDisasmTarget,
  DisasmTargetError,
  type DisasmTarget,
  type FileDisassembly,
  type FileDisassemblyOptions,
} from './file-disassembly.js';
/** Binary + target → the text `crashnav disasm` prints (with `--root`/`--subst-path` source text), and the record. */
export { renderFileDisassembly, type RenderFileDisassemblyOptions } from './render-file-disassembly.js';
/** objdump -d -S -l layout: function headers, `file:line (inlined into f)`, source text, the marked line. */
export { renderDisassembly, type DisassemblyListing, type SourceLocation, type SourceTextProvider } from './render-disassembly.js';
/** One instruction as an objdump line (address, bytes column, text). */
export { renderListingLines, addressWidthFor } from './listing-line.js';
/** DWARF path → local source text, read only under allowed directories; `locateWithRule` says which rule found it. */
export { SourceReader, parseSubstitution, type PathSubstitution, type SourceReaderOptions, type SourceRule, type LocatedSource } from './source-reader.js';
