// The `crashnav/*` extensions to LSP, shared by the server and the VS Code client: plain names and shapes,
// no imports, so the extension (CommonJS, its own build) compiles this very file.

/** URI scheme of the generated disassembly documents (`crashnav-disasm:/vmlinux/do_one_initcall.s?offset=0x59`). */
export const disasmScheme = 'crashnav-disasm';

/** The command behind the `disassemble` code lens; also callable through `workspace/executeCommand`. */
export const disassembleCommand = 'crashnav.disassemble';

/** What to disassemble: a function, in vmlinux or a module, with the instruction at `offset` marked. */
export interface DisassembleTarget {
  symbol: string;
  /** Module name as the report prints it (`crash_nullwrite`); absent for vmlinux. */
  module?: string;
  /** Byte offset of the marked instruction from the function's start. */
  offset?: number;
  /** True when the frame is a return address, so the mark goes on the call before it. */
  returnAddress?: boolean;
}

export interface DisassembleResult {
  /** The `crashnav-disasm:` URI of the view; `workspace/textDocumentContent` serves the same text. */
  uri: string;
  text: string;
  /** 0-based line of the marked instruction in `text`, when there is one. */
  markedLine?: number;
}

/** `crashnav/disassemble`: the same as the command, as a request (clients without executeCommand plumbing). */
export const disassembleRequest = 'crashnav/disassemble';

/** `crashnav/status`: what the server has (index, debug info) and what it is missing. */
export const statusRequest = 'crashnav/status';

export interface StatusResult {
  sourceRoots: string[];
  /** Index databases per source root, with how many files they hold. */
  indexes: { root: string; database: string; files: number; indexing: boolean }[];
  vmlinux?: string;
  /** Things missing, each with how to provide it. */
  missing: string[];
}

/** URI scheme of a memory dump opened as a read-only report (`crashnav-vmcore:/var/crash/202612042200/vmcore`). */
export const vmcoreScheme = 'crashnav-vmcore';

/** Opens a vmcore (argument: its absolute path) as the `crash` session of its log and backtraces; returns an `OpenVmcoreResult`. */
export const openVmcoreCommand = 'crashnav.openVmcore';

/** `crashnav/openVmcore`: the same as the command, as a request. */
export const openVmcoreRequest = 'crashnav/openVmcore';

export interface OpenVmcoreParams {
  /** The dump's absolute path on the server's machine. */
  path: string;
}

export interface OpenVmcoreResult {
  /** The `crashnav-vmcore:` URI of the document; `workspace/textDocumentContent` serves the same text. */
  uri: string;
  text: string;
}

/** The read-only document of the dump at an absolute path. */
export function renderVmcoreUri(file: string): string {
  return `${vmcoreScheme}:${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** The dump's absolute path, from its document's URI; undefined for anything else. */
export function parseVmcoreUri(uri: string): string | undefined {
  if (!uri.startsWith(`${vmcoreScheme}:/`)) return undefined;
  const file = uri.slice(vmcoreScheme.length + 1).replace(/^\/+/, '/').replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(file);
  } catch {
    return undefined;
  }
}

/** The settings section the server reads from `workspace/configuration`. */
export const settingsSection = 'crashnav';

/** Encodes a target as the URI of its view, so the view can be reopened from the URI alone. */
export function renderDisasmUri(target: DisassembleTarget): string {
  const object = target.module ?? 'vmlinux';
  const query: string[] = [];
  if (target.offset !== undefined) query.push(`offset=0x${target.offset.toString(16)}`);
  if (target.returnAddress) query.push('return=1');
  return `${disasmScheme}:/${encodeURIComponent(object)}/${encodeURIComponent(target.symbol)}.s` +
    (query.length > 0 ? `?${query.join('&')}` : '');
}

/** The inverse of `renderDisasmUri`; undefined for anything else. */
export function parseDisasmUri(uri: string): DisassembleTarget | undefined {
  const m = /^crashnav-disasm:\/+([^/?#]+)\/([^/?#]+)\.s(?:\?([^#]*))?$/.exec(uri);
  if (!m) return undefined;
  const object = decodeURIComponent(m[1]!);
  const target: DisassembleTarget = { symbol: decodeURIComponent(m[2]!) };
  if (object !== 'vmlinux') target.module = object;
  // VS Code's Uri.toString() percent-encodes `=` and `&` in the query: decode before splitting.
  for (const pair of decodeURIComponent(m[3] ?? '').split('&')) {
    const [key, value] = pair.split('=');
    if (key === 'offset' && value && /^0x[0-9a-f]+$/i.test(value)) target.offset = Number.parseInt(value.slice(2), 16);
    if (key === 'return' && value === '1') target.returnAddress = true;
  }
  return target;
}
