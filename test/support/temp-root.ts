// Vitest global setup: every temporary directory the suites make (mkdtemp under os.tmpdir()) goes into
// one directory for the run, removed when the run ends, so repeated runs leave nothing in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'crashnav-test-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
