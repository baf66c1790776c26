// The disassembly view: the text of `crashnav-disasm:` virtual documents, and the `crashnav.disassemble`
// command (for clients without `workspace/textDocumentContent`) and `crashnav/disassemble` request.
import { type CancellationToken, ErrorCodes, ResponseError, type TextDocumentContentResult } from 'vscode-languageserver';
import type { CrashReport } from '../../crash/index.js';
import { type DisassembleResult, type DisassembleTarget, disassembleCommand, renderDisasmUri } from '../protocol.js';
import { findFrameAt } from '../queries/report-position.js';
import type { Snapshot } from '../snapshot.js';

interface AtPosition {
  textDocument: { uri: string };
  position: { line: number; character: number };
}

function isTarget(value: unknown): value is DisassembleTarget {
  return typeof value === 'object' && value !== null && typeof (value as DisassembleTarget).symbol === 'string';
}

function isAtPosition(value: unknown): value is AtPosition {
  const v = value as AtPosition | null;
  return typeof v === 'object' && v !== null && typeof v.textDocument?.uri === 'string' && Number.isInteger(v.position?.line) && Number.isInteger(v.position?.character);
}

/** A target given as is, or the frame under a position of a report (with its report, for the binary's release). */
async function targetOf(snapshot: Snapshot, arg: unknown): Promise<{ target: DisassembleTarget; report?: CrashReport } | undefined> {
  if (isTarget(arg)) return { target: arg };
  if (!isAtPosition(arg)) throw new ResponseError(ErrorCodes.InvalidParams, `${disassembleCommand}: expected {symbol, module?, offset?} or {textDocument, position}`);
  const analysis = await snapshot.reports.get(arg.textDocument.uri);
  const hit = analysis ? findFrameAt(analysis, arg.position) : undefined;
  if (!hit?.frame.symbol) return undefined;
  const target: DisassembleTarget = { symbol: hit.frame.symbol, returnAddress: !hit.frame.isFault };
  if (hit.frame.module) target.module = hit.frame.module;
  if (hit.frame.offset !== undefined) target.offset = hit.frame.offset;
  return { target, report: hit.report };
}

async function disassemble(snapshot: Snapshot, target: DisassembleTarget, report?: CrashReport): Promise<DisassembleResult | null> {
  const view = await snapshot.workspace.resolver.disassemble(target, report);
  if (!view) return null;
  const result: DisassembleResult = { uri: renderDisasmUri(target), text: view.text };
  if (view.markedLine !== undefined) result.markedLine = view.markedLine;
  return result;
}

export async function handleDisassemble(snapshot: Snapshot, params: unknown, _token: CancellationToken): Promise<DisassembleResult | null> {
  const found = await targetOf(snapshot, params);
  return found ? disassemble(snapshot, found.target, found.report) : null;
}


/** The text of a `crashnav-disasm:` document. */
export async function disassemblyContent(snapshot: Snapshot, target: DisassembleTarget): Promise<TextDocumentContentResult> {
  const view = await snapshot.workspace.resolver.disassemble(target);
  return { text: view?.text ?? `; crashnav: no disassembly for ${target.symbol}${target.module ? ` [${target.module}]` : ''} (no binary with this symbol was found)\n` };
}
