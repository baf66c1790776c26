// Backtraces as `crash`'s `bt`/`bt -a` print them, so that crash/'s session parser (and a reader used to
// crash) takes them as they are: a `PID: … TASK: … CPU: … COMMAND: "…"` line per CPU, ` #N [sp] func at
// ip [module]` per frame, an exception frame as `[exception RIP: func+off]` (crash's decimal offset) and
// its registers, `--- <IRQ stack> ---` after the frames run on the IRQ stack, and the user-mode registers
// a system call entered with after the last frame.
import type { BacktraceFrame, CpuBacktrace, KernelBacktraces } from './backtrace.js';
import type { SavedRegisters } from './x86-64-unwind.js';
import { isArm64Saved, renderArm64Saved } from './render-arm64-regs.js';

const hex = (v: bigint) => v.toString(16);
const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

/** `bt`: the panicking CPU (the first CPU when none panicked); `all`: every CPU, as `bt -a`. */
export function renderBacktraces(traces: KernelBacktraces, options: { all?: boolean } = {}): string {
  const chosen = options.all ? traces.cpus : [traces.cpus.find((c) => c.panicking) ?? traces.cpus[0]].filter((c) => c !== undefined);
  const head = traces.problems.map((p) => `WARNING: ${p}\n`).join('');
  return head + chosen.map(renderCpuBacktrace).join('\n');
}

export function renderCpuBacktrace(trace: CpuBacktrace): string {
  const lines: string[] = [];
  const t = trace.task;
  lines.push(t ? `PID: ${String(t.pid).padEnd(7)}  TASK: ${hex(t.address)}  CPU: ${String(trace.cpu).padEnd(3)}  COMMAND: "${t.comm}"` : `CPU: ${trace.cpu}  (its task could not be read)`);
  for (const p of trace.problems) lines.push(`WARNING: ${p}`);
  let index = 0;
  for (const frame of trace.frames) {
    if (frame.leftIrqStack) lines.push('--- <IRQ stack> ---');
    if (frame.kind === 'exception' && frame.saved) lines.push(...(isArm64Saved(frame.saved) ? renderArm64Saved(frame.symbol, frame.saved) : renderSaved(frame, frame.saved)));
    else lines.push(`${`#${index++}`.padStart(3)} [${hex(frame.sp)}] ${frame.symbol?.name ?? hex(frame.ip)} at ${hex(frame.ip)}${frame.module ? ` [${frame.module}]` : ''}`);
  }
  return lines.join('\n') + '\n';
}

function renderSaved(frame: BacktraceFrame, saved: SavedRegisters): string[] {
  const r = saved.regs;
  const out: string[] = [];
  if (!saved.userMode) {
    const s = frame.symbol;
    out.push(`    [exception RIP: ${s ? `${s.name}${s.offset > 0n ? `+${s.offset}` : ''}` : 'unknown or invalid address'}]`);
  }
  const row = (...pairs: [string, bigint][]) => '    ' + pairs.map(([name, v]) => `${name.padStart(3)}: ${hex16(v)}`).join('  ');
  out.push(`    RIP: ${hex16(r.rip)}  RSP: ${hex16(r.rsp)}  RFLAGS: ${hex(r.rflags).padStart(8, '0')}`);
  // Below the iret frame, REGS_PARTIAL entry code saved nothing: those slots hold whatever was there.
  if (!saved.partial) {
    out.push(
      row(['RAX', r.rax], ['RBX', r.rbx], ['RCX', r.rcx]),
      row(['RDX', r.rdx], ['RSI', r.rsi], ['RDI', r.rdi]),
      row(['RBP', r.rbp], ['R8', r.r8], ['R9', r.r9]),
      row(['R10', r.r10], ['R11', r.r11], ['R12', r.r12]),
      row(['R13', r.r13], ['R14', r.r14], ['R15', r.r15]),
    );
  }
  out.push(`    ORIG_RAX: ${hex16(r.orig_rax)}  CS: ${hex(r.cs).padStart(4, '0')}  SS: ${hex(r.ss).padStart(4, '0')}`);
  return out;
}
