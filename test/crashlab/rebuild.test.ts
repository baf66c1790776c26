// Rebuilding the example modules with scripts/crashlab/build-modules.sh (Debian headers, gcc-12) gives
// the same line table at each CRASH HERE line as the committed .ko files: the bundled example is
// reproducible by the script, not a one-off. Skips, saying why, without gcc-12/make/binutils or the
// Debian packages (the script downloads them into ~/.cache/crashnav when the archive serves them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashLines, examplesDir, hasTool, lineRows, moduleNames, repoRoot } from './support/lab-examples.js';

function buildTreeProblem(): string | undefined {
  const missing = ['gcc-12', 'make', 'dpkg-deb', 'readelf'].filter((t) => !hasTool(t));
  if (missing.length > 0) return `missing ${missing.join(', ')} (apt install gcc-12 make dpkg binutils)`;
  try {
    execFileSync(path.join(repoRoot, 'scripts/crashlab/prepare-tree.sh'), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').at(-1);
    return `scripts/crashlab/prepare-tree.sh failed: ${stderr || String(error)}`;
  }
}

const problem = buildTreeProblem();
if (problem) console.log(`test/crashlab/rebuild: skipped, ${problem}`);
const crashing = moduleNames().filter((name) => crashLines(name).length > 0);

describe.skipIf(problem !== undefined)('rebuilding the example modules', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'crashlab-rebuild-'));
    execFileSync(path.join(repoRoot, 'scripts/crashlab/build-modules.sh'), ['--out', out, ...crashing], { stdio: 'ignore' });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(crashing)('%s: the CRASH HERE line has the same addresses in the rebuilt .ko', (name) => {
    const committed = path.join(examplesDir, 'modules', name, `${name}.ko`);
    const rebuilt = path.join(out, `${name}.ko`);
    const line = crashLines(name)[0]!;
    const at = (ko: string): string[] =>
      lineRows(ko)
        .filter((r) => r.file === `${name}.c` && r.line === line)
        .map((r) => r.address);
    expect(at(committed).length).toBeGreaterThan(0);
    expect(at(rebuilt)).toEqual(at(committed));
    expect(lineRows(rebuilt)).toEqual(lineRows(committed));
    if (!readFileSync(rebuilt).equals(readFileSync(committed))) console.log(`test/crashlab/rebuild: ${name}.ko rebuilt with the same line table but different bytes`);
  });
});
