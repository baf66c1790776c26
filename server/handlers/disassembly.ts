// The disassembly view: `crashnav-disasm:` virtual documents served by `workspace/textDocumentContent`, the
// `crashnav.disassemble` command (for clients without that request) and the `crashnav/disassemble` request.
import {
  type CancellationToken,
  ErrorCodes,
  type ExecuteCommandParams,
  ResponseError,
  type TextDocumentContentParams,
  type TextDocumentContentResult,
} from 'vscode-languageserver';
import { type DisassembleResult, type DisassembleTarget, disassembleCommand, parseDisasmUri, renderDisasmUri } from '../protocol.js';
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

/** A target given as is, or the frame under a position of a report. */
async function targetOf(snapshot: Snapshot, arg: unknown): Promise<DisassembleTarget | undefined> {
  if (isTarget(arg)) return arg;
  if (!isAtPosition(arg)) throw new ResponseError(ErrorCodes.InvalidParams, `${disassembleCommand}: expected {symbol, module?, offset?} or {textDocument, position}`);
  const analysis = await snapshot.reports.get(arg.textDocument.uri);
  const frame = analysis ? findFrameAt(analysis, arg.position)?.frame : undefined;
  if (!frame?.symbol) return undefined;
  const target: DisassembleTarget = { symbol: frame.symbol, returnAddress: !frame.isFault };
  if (frame.module) target.module = frame.module;
  if (frame.offset !== undefined) target.offset = frame.offset;
  return target;
}

async function disassemble(snapshot: Snapshot, target: DisassembleTarget): Promise<DisassembleResult | null> {
  const view = await snapshot.workspace.resolver.disassemble(target);
  if (!view) return null;
  const result: DisassembleResult = { uri: renderDisasmUri(target), text: view.text };
  if (view.markedLine !== undefined) result.markedLine = view.markedLine;
  return result;
}

export async function handleDisassemble(snapshot: Snapshot, params: unknown, _token: CancellationToken): Promise<DisassembleResult | null> {
  const target = await targetOf(snapshot, params);
  return target ? disassemble(snapshot, target) : null;
}

export async function handleExecuteCommand(snapshot: Snapshot, params: ExecuteCommandParams, token: CancellationToken): Promise<DisassembleResult | null> {
  if (params.command !== disassembleCommand) throw new ResponseError(ErrorCodes.InvalidParams, `unknown command '${params.command}'`);
  return handleDisassemble(snapshot, params.arguments?.[0], token);
}

export async function handleTextDocumentContent(
  snapshot: Snapshot,
  params: TextDocumentContentParams,
  _token: CancellationToken,
): Promise<TextDocumentContentResult | null> {
  const target = parseDisasmUri(params.uri);
  if (!target) throw new ResponseError(ErrorCodes.InvalidParams, `not a crashnav-disasm: URI: ${params.uri}`);
  const view = await snapshot.workspace.resolver.disassemble(target);
  return { text: view?.text ?? `; crashnav: no disassembly for ${target.symbol}${target.module ? ` [${target.module}]` : ''} (no binary with this symbol was found)\n` };
}
