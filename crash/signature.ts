// A report's signature for grouping: its kind, the guilty function and the next few non-generic frames,
// without addresses, offsets or module load positions, so the same bug on other machines groups together.
import { baseFunctionName } from './frame-name.js';
import type { CrashReport } from './model.js';

const depth = 3;
const generic = /^(?:__pfx_|entry_SYSCALL|do_syscall|ret_from_fork|kthread$|worker_thread|process_one_work|asm_|el0|el1|__arm64_sys|invoke_syscall|do_el0|__x64_sys|x64_sys_call)/;

export function reportSignature(report: CrashReport): string {
  const names: string[] = [];
  const g = report.guilty;
  if (g) {
    const stack = report.stacks[g.stack];
    for (let j = g.frame; j < stack.frames.length && names.length < depth; j++) {
      const f = stack.frames[j];
      if (!f.reliable || !f.symbol) continue;
      const name = baseFunctionName(f.symbol);
      if (!generic.test(name) && names.at(-1) !== name) names.push(name);
    }
  }
  const kind = report.title.replace(/ in \S+$/, '');
  return [kind, ...names].join(' | ');
}
