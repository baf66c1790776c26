// A memory dump opened as a read-only report: `crashnav-vmcore:` documents whose text is the `crash`
// session of the dump (log, every CPU's backtrace, modules), which the server then treats as any report.
import { type CancellationToken, ErrorCodes, ResponseError, type TextDocumentContentResult } from 'vscode-languageserver';
import { type OpenVmcoreResult, openVmcoreCommand, renderVmcoreUri } from '../protocol.js';
import type { Snapshot } from '../snapshot.js';

/** The text of a dump's document; a dump that cannot be read fails the request with its one-line reason. */
export async function vmcoreContent(snapshot: Snapshot, file: string): Promise<TextDocumentContentResult> {
  try {
    return { text: await snapshot.workspace.resolver.vmcoreText(file) };
  } catch (err) {
    // A bug stays a bug (the request wrapper reports it); anything else is about the dump, said in one line.
    if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || !(err instanceof Error)) throw err;
    throw new ResponseError(ErrorCodes.InvalidParams, err.message);
  }
}

function pathOf(params: unknown): string {
  const file = typeof params === 'string' ? params : (params as { path?: unknown } | null)?.path;
  if (typeof file !== 'string' || !file.startsWith('/')) throw new ResponseError(ErrorCodes.InvalidParams, `${openVmcoreCommand}: expected {path} with the dump's absolute path`);
  return file;
}

/** `crashnav/openVmcore` and the `crashnav.openVmcore` command: the document's URI and text. */
export async function handleOpenVmcore(snapshot: Snapshot, params: unknown, _token: CancellationToken): Promise<OpenVmcoreResult> {
  const file = pathOf(params);
  const { text } = await vmcoreContent(snapshot, file);
  return { uri: renderVmcoreUri(file), text };
}
