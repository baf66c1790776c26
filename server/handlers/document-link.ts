// textDocument/documentLink: crash frames link to their source line; `#include` paths in C to the file.
import type { CancellationToken, DocumentLink, DocumentLinkParams } from 'vscode-languageserver';
import { pathToUri, spanToRange, uriToPath } from '../convert.js';
import { checkpoint } from '../queries/cancellation.js';
import { frameOf } from '../queries/report-position.js';
import type { Snapshot } from '../snapshot.js';

/** Frames beyond this many are left unlinked: resolving every frame of a huge log is not worth the wait. */
const maxLinks = 500;

export async function handleDocumentLink(snapshot: Snapshot, params: DocumentLinkParams, token: CancellationToken): Promise<DocumentLink[] | null> {
  const uri = params.textDocument.uri;
  const analysis = await snapshot.reports.get(uri);
  if (analysis) {
    const links: DocumentLink[] = [];
    for (const site of analysis.frames.slice(0, maxLinks)) {
      await checkpoint(token);
      const hit = frameOf(analysis, site);
      const resolved = await snapshot.workspace.resolveFrame(hit.report, hit.frame);
      const where = resolved.locations[0] ?? resolved.definition;
      if (!where) continue;
      // `#L<line>` is the fragment editors (VS Code among them) understand as "open at this line".
      links.push({ range: spanToRange(site.symbolSpan), target: `${pathToUri(where.file)}#L${where.line}`, tooltip: `${where.file}:${where.line}` });
    }
    return links;
  }
  const file = uriToPath(uri);
  const index = file ? snapshot.workspace.indexFor(file) : undefined;
  if (!file || !index) return null;
  return index
    .includes(file)
    .filter((i) => i.target !== undefined)
    .map((i) => ({ range: spanToRange({ line: i.line, startColumn: i.startColumn, endColumn: i.endColumn }), target: pathToUri(i.target!) }));
}
