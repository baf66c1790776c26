// A loaded module's addresses, from the load base of its core region (crash's `mod` BASE, or a base inferred
// from its frames): a runtime address to an answer in the `.ko`, and each function's place in the region (what
// a frame's address less the base must fall in). The section arithmetic is module-layout.ts's.
import { moduleLayout, sectionAtRegionOffset } from './module-layout.js';
import type { Symbolization, SymbolizeOptions, Symbolizer } from './symbolizer.js';

/** The answer at a runtime ADDRESS of a module loaded at BASE, or undefined when the address is not in its core region. */
export function symbolizeAtLoadBase(module: Symbolizer, base: bigint, address: bigint, options: Omit<SymbolizeOptions, 'linkTime'> = {}): Symbolization | undefined {
  const file = module.file;
  if (!file) return undefined;
  const layout = moduleLayout(file.elf);
  // A return address is looked up at address - 1: the section holding that byte is the one that called.
  const a = options.returnAddress ? address - 1n : address;
  const at = a >= base && a - base < layout.core.end ? sectionAtRegionOffset(file.elf, layout.core, a - base) : undefined;
  return at && module.symbolizeInSection(at.section, at.offset);
}

/** Each function's offset range in the module's core region, by name (static functions may repeat). */
export function coreRanges(module: Symbolizer): (name: string) => { start: bigint; end: bigint }[] {
  const file = module.file;
  if (!file) return () => [];
  const layout = moduleLayout(file.elf);
  return (name) =>
    module.lookup(name).flatMap((s) => {
      const section = file.elf.findSection(s.section);
      const at = section ? layout.core.offsets.get(section.index) : undefined;
      if (!section || at === undefined) return [];
      const start = at + (s.address - file.sectionAddress(s.section, 0n));
      return [{ start, end: start + BigInt(s.size) }];
    });
}
