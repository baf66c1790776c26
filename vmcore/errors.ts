// One error type for a vmcore that cannot be read as asked: it names the file, what was being read (a
// physical or virtual address, a header field) and a stable code that tests and callers decide on.

export type VmcoreErrorCode =
  | 'not-a-vmcore'
  | 'truncated'
  | 'bad-header'
  | 'unsupported'
  | 'page-absent'
  | 'not-mapped'
  | 'page-table-loop'
  | 'decompress-failed'
  | 'no-vmcoreinfo'
  | 'wrong-kernel';

export class VmcoreError extends Error {
  override name = 'VmcoreError';
  constructor(
    readonly file: string,
    readonly code: VmcoreErrorCode,
    detail: string,
    /** The physical or virtual address concerned, when there is one. */
    readonly address?: bigint,
  ) {
    super(`${file}: ${address === undefined ? '' : `0x${address.toString(16)}: `}${detail}`);
  }
}

/** What `read` returns, or the VmcoreError it threw: a part of a dump that cannot be read; anything else is a bug and propagates. */
export function attemptRead<T>(read: () => T): T | VmcoreError {
  try {
    return read();
  } catch (err) {
    if (err instanceof VmcoreError) return err;
    throw err;
  }
}
