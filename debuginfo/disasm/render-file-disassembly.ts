// One call from a binary and a target to the text of `crashnav disasm`: what the CLI prints, the LSP
// server shows as a virtual document and the report embeds.
import type { DebugFile } from '../debug-file.js';
import { type DisasmTarget, type FileDisassembly, disassembleFromFile, listingOf } from './file-disassembly.js';
import type { DisasmSyntax } from './instruction.js';
import { renderDisassembly } from './render-disassembly.js';
import { type PathSubstitution, SourceReader } from './source-reader.js';

export interface RenderFileDisassemblyOptions {
  syntax?: DisasmSyntax;
  /** Kernel source tree: print each line's source text under its `file:line`. */
  root?: string;
  substitutions?: PathSubstitution[];
  /**
   * The caller's reader (its allowed directories and rules); without it, one is made from `root` and
   * `substitutions` when either is given, allowing the binary's own directory too.
   */
  sources?: SourceReader;
  /** Default true: `file:line` headers and inline chains from the DWARF. */
  withSource?: boolean;
  /** Default true: show a `.ko`'s `.rela.text` in its code. */
  applyRelocations?: boolean;
  /** Mark the call before the target address (a trace frame's return address). */
  returnAddress?: boolean;
}

export async function renderFileDisassembly(
  file: DebugFile,
  target: DisasmTarget,
  options: RenderFileDisassemblyOptions = {},
): Promise<{ text: string; disassembly: FileDisassembly }> {
  const disassembly = await disassembleFromFile(file, target, {
    ...(options.syntax ? { syntax: options.syntax } : {}),
    ...(options.applyRelocations === false ? { applyRelocations: false } : {}),
    ...(options.returnAddress ? { returnAddress: true } : {}),
  });
  const withSource = options.withSource !== false;
  const substitutions = options.substitutions ?? [];
  const source = !withSource
    ? undefined
    : options.sources ??
      (options.root !== undefined || substitutions.length > 0
        ? new SourceReader({ ...(options.root !== undefined ? { root: options.root } : {}), substitutions, binaries: file.elf.path !== undefined ? [file.elf.path] : [] })
        : undefined);
  const text = renderDisassembly({
    ...listingOf(disassembly),
    ...(withSource ? {} : { locate: () => [] }),
    ...(source ? { source } : {}),
  });
  return { text, disassembly };
}
