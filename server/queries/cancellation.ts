// Cooperative cancellation for long handlers: check the token between units of work, yield to the event loop
// so a `$/cancelRequest` that arrived meanwhile is seen.
import type { CancellationToken } from 'vscode-languageserver';

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('request cancelled');
  }
}

export function throwIfCancelled(token: CancellationToken): void {
  if (token.isCancellationRequested) throw new CancelledError();
}

/** Lets queued messages (a cancellation among them) be read, then checks the token. */
export async function checkpoint(token: CancellationToken): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfCancelled(token);
}
