// crashnav/status: the indexes, the vmlinux in use and what is missing, for a client's status display.
import type { CancellationToken } from 'vscode-languageserver';
import type { StatusResult } from '../protocol.js';
import type { Snapshot } from '../snapshot.js';

export function handleStatus(snapshot: Snapshot, _params: unknown, _token: CancellationToken): StatusResult {
  const { workspace } = snapshot;
  const status: StatusResult = {
    sourceRoots: [...workspace.roots],
    indexes: workspace.indexes.map((i) => ({
      root: i.root,
      database: i.database,
      files: i.fileCount(),
      indexing: snapshot.indexingRoots.includes(i.root),
    })),
    missing: [...workspace.missing],
  };
  if (workspace.resolver.vmlinux) status.vmlinux = workspace.resolver.vmlinux;
  return status;
}
