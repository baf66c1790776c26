// The two requests several features share, routed by what they name: `workspace/executeCommand` by command
// (disassemble, open a vmcore) and `workspace/textDocumentContent` by URI scheme (disassembly, vmcore).
import {
  type CancellationToken,
  ErrorCodes,
  type ExecuteCommandParams,
  ResponseError,
  type TextDocumentContentParams,
  type TextDocumentContentResult,
} from 'vscode-languageserver';
import { type DisassembleResult, type OpenVmcoreResult, disassembleCommand, openVmcoreCommand, parseDisasmUri, parseVmcoreUri } from '../protocol.js';
import type { Snapshot } from '../snapshot.js';
import { disassemblyContent, handleDisassemble } from './disassembly.js';
import { handleOpenVmcore, vmcoreContent } from './vmcore.js';

export async function handleExecuteCommand(snapshot: Snapshot, params: ExecuteCommandParams, token: CancellationToken): Promise<DisassembleResult | OpenVmcoreResult | null> {
  const argument = params.arguments?.[0];
  if (params.command === disassembleCommand) return handleDisassemble(snapshot, argument, token);
  if (params.command === openVmcoreCommand) return handleOpenVmcore(snapshot, argument, token);
  throw new ResponseError(ErrorCodes.InvalidParams, `unknown command '${params.command}'`);
}

export async function handleTextDocumentContent(snapshot: Snapshot, params: TextDocumentContentParams, _token: CancellationToken): Promise<TextDocumentContentResult | null> {
  const target = parseDisasmUri(params.uri);
  if (target) return disassemblyContent(snapshot, target);
  const file = parseVmcoreUri(params.uri);
  if (file) return vmcoreContent(snapshot, file);
  throw new ResponseError(ErrorCodes.InvalidParams, `not a crashnav-disasm: or crashnav-vmcore: URI: ${params.uri}`);
}
