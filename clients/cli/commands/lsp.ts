// `crashnav lsp --stdio`: the language server for editors (crash reports and kernel C), speaking LSP on
// stdin/stdout until the client sends `exit` or closes the pipe.
import { startServer } from '../../../server/index.js';
import { type CliCommand, UsageError } from '../command.js';

const usage = `usage: crashnav lsp --stdio

Runs the crashnav language server over standard input and output (the only transport).
Editors start it themselves: see the README's "Editor setup" for VS Code, Neovim, Emacs and Vim.
Settings come from the client (initializationOptions and the "crashnav" configuration section):
sourceRoots, database, vmlinux, moduleDirs, debugRoot, substitutePaths, arch.`;

export const command: CliCommand = {
  name: 'lsp',
  summary: 'run the language server (LSP over stdio) for editors',
  usage,
  async run(argv, io) {
    const unknown = argv.filter((a) => a !== '--stdio');
    if (unknown.length > 0) throw new UsageError(`unknown argument '${unknown[0]}'`);
    if (!argv.includes('--stdio')) throw new UsageError('--stdio is required (the server speaks LSP on stdin/stdout)');
    const connection = startServer({ input: io.stdin, output: io.stdout });
    // The connection ends the process on `exit` or when the client closes the pipe.
    await new Promise<void>((resolve) => connection.onExit(resolve));
    return 0;
  },
};
