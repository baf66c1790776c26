// Which general registers an instruction names, as the 64-bit registers the oops register dump prints:
// x86 (AT&T or Intel) `movb $0x1,(%rax)` → rax, `mov %r8d,0x8(%rbx,%rcx,4)` → r8, rbx, rcx; arm64
// `str w1, [x0, #8]` → x1, x0.

const legacy: Record<string, string> = {
  al: 'rax', ah: 'rax', ax: 'rax', eax: 'rax', rax: 'rax',
  bl: 'rbx', bh: 'rbx', bx: 'rbx', ebx: 'rbx', rbx: 'rbx',
  cl: 'rcx', ch: 'rcx', cx: 'rcx', ecx: 'rcx', rcx: 'rcx',
  dl: 'rdx', dh: 'rdx', dx: 'rdx', edx: 'rdx', rdx: 'rdx',
  sil: 'rsi', si: 'rsi', esi: 'rsi', rsi: 'rsi',
  dil: 'rdi', di: 'rdi', edi: 'rdi', rdi: 'rdi',
  bpl: 'rbp', bp: 'rbp', ebp: 'rbp', rbp: 'rbp',
  spl: 'rsp', sp: 'rsp', esp: 'rsp', rsp: 'rsp',
  ip: 'rip', eip: 'rip', rip: 'rip',
};

/** Canonical 64-bit name (`rax`, `r8`, `rip`; `x0`, `sp`) of a register operand, or undefined for anything else. */
function canonicalRegister(name: string, arch: 'x86_64' | 'arm64'): string | undefined {
  const n = name.toLowerCase();
  if (arch === 'arm64') {
    const r = /^[xw](\d{1,2})$/.exec(n);
    if (r && Number(r[1]) <= 30) return `x${r[1]}`;
    return n === 'sp' || n === 'wsp' ? 'sp' : n === 'lr' ? 'x30' : n === 'fp' ? 'x29' : undefined;
  }
  const numbered = /^r(\d{1,2})[bwd]?$/.exec(n);
  if (numbered && Number(numbered[1]) >= 8 && Number(numbered[1]) <= 15) return `r${numbered[1]}`;
  return legacy[n];
}

/** The registers an instruction's operands name, in order of appearance, each once. */
export function instructionRegisters(text: string, arch: 'x86_64' | 'arm64' = 'x86_64'): string[] {
  const operands = text.replace(/^\s*\S+\s*/, '').replace(/<[^>]*>/g, '');
  const found: string[] = [];
  for (const m of operands.matchAll(/%?\b([a-z][a-z0-9]{1,3})\b/gi)) {
    const canon = canonicalRegister(m[1]!, arch);
    if (canon && !found.includes(canon)) found.push(canon);
  }
  return found;
}
