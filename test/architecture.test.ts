// The layering of DESIGN.md, checked on the sources: who may import whom, and that the code map names every folder.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Each room and the rooms it may import (always through their index.ts). */
const allowed: Record<string, string[]> = {
  indexer: [],
  debuginfo: [],
  vmcore: ['debuginfo'],
  crash: ['indexer', 'debuginfo', 'vmcore'],
  server: ['crash', 'vmcore', 'debuginfo', 'indexer'],
  'clients/report': ['crash', 'vmcore', 'debuginfo', 'indexer'],
  'clients/cli': ['clients/report', 'server', 'crash', 'vmcore', 'debuginfo', 'indexer'],
};
const rooms = Object.keys(allowed);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function roomOf(file: string): string | undefined {
  const rel = path.relative(root, file).split(path.sep).join('/');
  return rooms.filter((r) => rel.startsWith(r + '/')).sort((a, b) => b.length - a.length)[0];
}

describe('layering', () => {
  const violations: string[] = [];
  for (const room of rooms) {
    const dir = path.join(root, room);
    let files: string[] = [];
    try {
      files = sourceFiles(dir);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        const targetRoom = roomOf(target);
        if (targetRoom === undefined || targetRoom === room) continue;
        const rel = path.relative(root, file);
        if (!allowed[room]!.includes(targetRoom)) {
          violations.push(`${rel}: ${room}/ may not import ${targetRoom}/ (${m[1]})`);
        } else if (path.relative(path.join(root, targetRoom), target) !== 'index.js') {
          violations.push(`${rel}: imports ${m[1]} instead of ${targetRoom}/index.js`);
        }
      }
    }
  }

  it('imports only the rooms below, only through their index.ts', () => {
    expect(violations).toEqual([]);
  });
});

describe('one owner per job', () => {
  const outside = (rooms: string[]): { rel: string; text: string }[] =>
    rooms.flatMap((r) => sourceFiles(path.join(root, r))).map((f) => ({ rel: path.relative(root, f), text: readFileSync(f, 'utf8') }));

  it('crash text is read only in crash/: no regular expression of crash vocabulary in server/ or clients/', () => {
    // A regex literal naming a crash line's words means a second parser that will drift from crash/'s.
    const vocabulary = /(?:^|[^\w.])\/(?![/*])(?:[^/\n\\]|\\.)*(?:RIP|Call Trace|Oops|Tainted|Code:|Modules linked|CS:|#PF|ESR|Kernel Offset|PC is at|Backtrace)(?:[^/\n\\]|\\.)*\/[dgimsuy]*/;
    const found = outside(['server', 'clients/cli', 'clients/report'])
      .flatMap(({ rel, text }) => text.split('\n').map((line, i) => ({ rel, line, n: i + 1 })))
      .filter(({ line }) => !/^\s*(?:\/\/|\*|\/\*\*)/.test(line) && vocabulary.test(line))
      .map(({ rel, n, line }) => `${rel}:${n}: ${line.trim()}`);
    expect(found).toEqual([]);
  });

  it('report -> resolved frames is crash/ResolutionSession: no adapter opens a kernel symbolizer or looks up a vmlinux', () => {
    const found = outside(['server', 'clients/cli', 'clients/report'])
      .filter(({ text }) => /\b(?:KernelSymbolizer|findVmlinux|vmlinuxCandidates|moduleDirs\(|kernelSlideOf|moduleBaseOf)\b/.test(text))
      .map(({ rel }) => rel);
    expect(found).toEqual([]);
  });
});

describe('docs/ARCHITECTURE.md', () => {
  it('has a heading for every top-level folder', () => {
    const map = readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const headings = [...map.matchAll(/^#{2,3} `?([a-z][\w/-]*)\/?`?/gm)].map((m) => m[1]!.replace(/\/$/, ''));
    const folders = readdirSync(root).filter(
      (n) => !n.startsWith('.') && n !== 'node_modules' && n !== 'dist' && statSync(path.join(root, n)).isDirectory(),
    );
    expect(folders.filter((f) => !headings.includes(f))).toEqual([]);
  });
});
