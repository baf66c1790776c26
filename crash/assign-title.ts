// Names a report: the first title rule matching its headline that produces a title; a report no rule
// recognizes keeps its headline (crash sessions name themselves from the `sys` PANIC string); a fragment
// (a trace with no title line) is named from its frames.
import type { CrashReport } from './model.js';
import { TitleContext } from './title-context.js';
import { titleRules } from './title-rules.js';

export function assignTitle(report: CrashReport): void {
  const context = new TitleContext(report.lines);
  if (report.kind === 'fragment') {
    // Named from its first reliable frame past the reporting machinery, as syzkaller names a report.
    const first = report.stacks.flatMap((s) => s.frames).find((f) => f.reliable && f.symbol);
    // The fault line names the frame when the fragment has one; otherwise a later RIP (user space's, after
    // the trace) must not move the walk past the trace.
    const hasFault = report.stacks.some((s) => s.frames.some((f) => f.isFault && f.symbol));
    const frame = context.frame({ parts: hasFault ? ['rip', 'stack'] : ['stack'] }) ?? first?.symbol;
    report.title = frame ? `crash fragment in ${frame}` : 'crash fragment';
    report.titleRule = 'fragment';
    return;
  }
  for (const rule of titleRules) {
    const head = rule.start.exec(report.headline);
    if (!head) continue;
    const title = rule.title(context, head);
    if (title === undefined) continue;
    report.title = title.replace(/\s+/g, ' ').trim();
    report.titleRule = rule.id;
    report.kind = rule.kind;
    return;
  }
  report.title ||= report.headline;
  report.titleRule ||= 'headline';
}
