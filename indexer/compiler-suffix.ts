// Names in crash frames carry the suffixes GCC and Clang give clones and split parts
// (`foo.isra.0`, `foo.constprop.2`, `foo.part.0`, `foo.cold`, `foo.llvm.123456`): the source name is `foo`.
const suffixes = /^(\.(isra|constprop|part|cold|llvm|lto_priv|localalias|clone|specialized|str|unlikely)(\.\d+)*)+$/;

export function stripCompilerSuffix(name: string): string {
  const dot = name.indexOf('.');
  if (dot <= 0) return name;
  return suffixes.test(name.slice(dot)) ? name.slice(0, dot) : name;
}
