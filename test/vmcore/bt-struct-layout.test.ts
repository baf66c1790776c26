// readStructLayout, which the backtraces use for `struct module` and `task_struct`: member offsets of a
// struct gcc laid out (nested structs, arrays of structs, anonymous unions, typedefs), checked against
// the offsets the compiled program itself computes with offsetof.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile, SectionLayout, readStructLayout, readSymbolTable } from '../../debuginfo/index.js';
import { hasTool } from '../debuginfo/support/fixtures.js';

const source = `
#include <stddef.h>
#include <stdio.h>
struct region { void *base; unsigned int size; unsigned int text_size; };
typedef struct region region_t;
struct arch { unsigned int num; int *ips; void *entries; };
struct mod {
  int state;
  struct { void *next, *prev; } list;
  char name[56];
  union { long a; struct { int hidden; int inner; }; };
  region_t mem[7];
  const struct arch arch;
};
struct mod the_mod;
#define SHOW(path) printf("%s %zu %zu\\n", #path, offsetof(struct mod, path), sizeof(the_mod.path))
int main(void) {
  SHOW(list); SHOW(list.prev); SHOW(name); SHOW(inner); SHOW(mem[0].base); SHOW(mem[4].size);
  SHOW(mem[6].text_size); SHOW(arch.ips); SHOW(arch.entries);
  printf("sizeof %zu\\n", sizeof(struct mod));
  return 0;
}
`;

describe.skipIf(!hasTool('gcc'))('readStructLayout (skipped without gcc)', () => {
  it('gives the offsets and sizes offsetof gives, through typedefs, arrays and anonymous members', () => {
    const dir = mkdtempSync(join(tmpdir(), 'struct-layout-'));
    writeFileSync(join(dir, 't.c'), source);
    const exe = join(dir, 't');
    execFileSync('gcc', ['-g', '-O0', '-o', exe, join(dir, 't.c')], { stdio: 'pipe' });
    const truth = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(' '));
    const elf = ElfFile.open(exe);
    try {
      const main = readSymbolTable(elf, new SectionLayout(elf)).findByName('main')[0]!;
      const layout = readStructLayout(elf, 'mod', { near: main.address })!;
      expect(layout).toBeDefined();
      for (const [path, offset, size] of truth) {
        if (path === 'sizeof') expect(layout.size).toBe(Number(offset));
        else expect(layout.member(path!), path).toEqual({ offset: Number(offset), size: Number(size) });
      }
      expect(layout.member('missing')).toBeUndefined();
      expect(layout.member('mem[0].nothing')).toBeUndefined();
      expect(readStructLayout(elf, 'no_such_struct', { near: main.address })).toBeUndefined();
      expect(readStructLayout(elf, 'mod', { near: 0x10n })).toBeUndefined();
    } finally {
      elf.close();
    }
  });
});
