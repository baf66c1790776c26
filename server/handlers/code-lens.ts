// textDocument/codeLens on crash reports: per frame, how many callers its function has, and `disassemble`.
import type { CancellationToken, CodeLens, CodeLensParams } from 'vscode-languageserver';
import { baseFunctionName } from '../../crash/index.js';
import { spanToRange } from '../convert.js';
import { type DisassembleTarget, disassembleCommand } from '../protocol.js';
import { checkpoint } from '../queries/cancellation.js';
import { frameOf } from '../queries/report-position.js';
import type { Snapshot } from '../snapshot.js';

/** Lenses beyond this many frames would cost more than they help in a huge log. */
const maxFrames = 1000;

export async function handleCodeLens(snapshot: Snapshot, params: CodeLensParams, token: CancellationToken): Promise<CodeLens[] | null> {
  const analysis = await snapshot.reports.get(params.textDocument.uri);
  if (!analysis) return null;
  const lenses: CodeLens[] = [];
  const callerCounts = new Map<string, number>();
  for (const site of analysis.frames.slice(0, maxFrames)) {
    const { frame } = frameOf(analysis, site);
    if (!frame.symbol) continue;
    if (lenses.length % 100 === 0) await checkpoint(token);
    const name = baseFunctionName(frame.symbol);
    let count = callerCounts.get(name);
    if (count === undefined) {
      count = new Set(snapshot.workspace.callers(name).map((c) => c.caller)).size;
      callerCounts.set(name, count);
    }
    const range = spanToRange(site.span);
    // A title-only lens: the count itself is the information (references on the frame lists them).
    lenses.push({ range, command: { title: `${count} caller${count === 1 ? '' : 's'}`, command: '' } });
    const target: DisassembleTarget = { symbol: frame.symbol, returnAddress: !frame.isFault };
    if (frame.module) target.module = frame.module;
    if (frame.offset !== undefined) target.offset = frame.offset;
    lenses.push({ range, command: { title: 'disassemble', command: disassembleCommand, arguments: [target] } });
  }
  return lenses;
}
