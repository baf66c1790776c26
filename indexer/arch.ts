// Kernel architecture names: what reports and `uname -m` write (x86_64, aarch64, i686) onto the
// directory names under arch/ (x86, arm64, ...), which is what ranking compares against.
const aliases: Record<string, string> = {
  x86_64: 'x86', amd64: 'x86', i386: 'x86', i686: 'x86', x64: 'x86', ia32: 'x86',
  aarch64: 'arm64', armv7l: 'arm', armhf: 'arm', ppc64le: 'powerpc', ppc64: 'powerpc', ppc: 'powerpc',
  riscv64: 'riscv', s390x: 's390', mips64: 'mips', loongarch64: 'loongarch',
};

export function normalizeArch(arch: string): string {
  const a = arch.trim().toLowerCase();
  return aliases[a] ?? a;
}

/** `arch/x86/kernel/foo.c` → `x86`; undefined outside arch/. */
export function archOfPath(relPath: string): string | undefined {
  if (!relPath.startsWith('arch/')) return undefined;
  const end = relPath.indexOf('/', 5);
  return end < 0 ? undefined : relPath.slice(5, end);
}

/** Trees inside the kernel tree that are not built into the kernel (their macros and stubs are not the kernel's). */
export const outsideKernel = /^(tools|samples|scripts|Documentation|usr)\//;
