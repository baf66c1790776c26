// The VS Code extension's TextMate grammar, run offline through VS Code's own tokenizer (vscode-textmate +
// vscode-oniguruma) on real crash reports from ../shared: frames, addresses, registers, taint, markers.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(root, '../shared');
const crashes = path.join(shared, 'crashes');
const grammarFile = path.join(root, 'clients/vscode/syntaxes/kernel-crash.tmLanguage.json');
const haveShared = existsSync(crashes);
if (!haveShared) console.warn(`vscode-grammar: ${crashes} is absent; the real-report checks skip`);

let grammar: textmate.IGrammar;

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.kernel-crash'
        ? textmate.parseRawGrammar(readFileSync(grammarFile, 'utf8'), grammarFile)
        : null,
  });
  const loaded = await registry.loadGrammar('source.kernel-crash');
  if (!loaded) throw new Error(`could not load ${grammarFile}`);
  grammar = loaded;
});

/** Each token of each line as `text` → its innermost scope (without the `.kernel-crash` suffix). */
function tokenize(lines: string[]): Map<string, string>[] {
  let stack = textmate.INITIAL;
  return lines.map((line) => {
    const result = grammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    const tokens = new Map<string, string>();
    for (const t of result.tokens) {
      const text = line.slice(t.startIndex, t.endIndex);
      const scope = t.scopes[t.scopes.length - 1]!.replace(/\.kernel-crash$/, '');
      if (text.trim() !== '' && scope !== 'source') tokens.set(text, scope);
    }
    return tokens;
  });
}

function tokensOf(line: string): Map<string, string> {
  return tokenize([line])[0]!;
}

/** The innermost scope of the token covering `index` of a single line. */
function scopeAt(line: string, index: number): string | undefined {
  const token = grammar.tokenizeLine(line, textmate.INITIAL).tokens.find((t) => t.startIndex <= index && index < t.endIndex);
  return token?.scopes[token.scopes.length - 1]!.replace(/\.kernel-crash$/, '');
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8').split(/\r?\n/);
}

describe.skipIf(!haveShared)('kernel-crash grammar on real reports', () => {
  it('marks the frames, registers, taint and markers of the lab oops (a_nullwrite)', () => {
    const lines = readLines(path.join(crashes, 'lab/runs/a_nullwrite/console.clean.log'));
    const find = (needle: string): Map<string, string> => tokensOf(lines.find((l) => l.includes(needle))!);

    const frame = find(' do_one_initcall+0x59/0x220');
    expect(frame.get('[    3.470731]')).toBe('comment.other.timestamp');
    expect(frame.get('do_one_initcall')).toBe('entity.name.function.frame');
    expect(frame.get('+0x59')).toBe('constant.numeric.offset');
    expect(frame.get('/0x220')).toBe('constant.numeric.size');

    const unreliable = find('? terminate_walk+0x61/0x100');
    expect(unreliable.get('? ')).toBe('keyword.operator.unreliable');
    expect(unreliable.get('terminate_walk')).toBe('entity.name.function.frame');

    const rip = find('RIP: 0010:crash_nullwrite_init+0x11/0x1000 [crash_nullwrite]');
    expect(rip.get('RIP')).toBe('variable.language.register');
    expect(rip.get('0010')).toBe('constant.numeric.hex.segment');
    expect(rip.get('crash_nullwrite_init')).toBe('entity.name.function.frame');
    expect(rip.get('[crash_nullwrite]')).toBe('entity.name.namespace.module');

    const taint = find('Tainted: G');
    expect(taint.get('Tainted:')).toBe('keyword.other.taint');
    expect([...taint].find(([, s]) => s === 'constant.language.taint-flags')?.[0]).toMatch(/^G\s+OE$/);

    const regs = find('RAX: 000000000000002c RBX: ffffffffc020c000');
    expect(regs.get('RAX')).toBe('variable.language.register');
    expect(regs.get('000000000000002c')).toBe('constant.numeric.hex.register-value');
    expect(regs.get('ffffffffc020c000')).toBe('constant.numeric.hex.register-value');

    expect(find('<TASK>').get('<TASK>')).toBe('keyword.control.stack-marker');
    expect(find('Call Trace:').get('Call Trace:')).toBe('keyword.control.call-trace');
    expect(find('Oops: 0002 [#1]').get('Oops: 0002 [#1] PREEMPT SMP NOPTI')).toBe('markup.heading.report');
    expect(find('BUG: kernel NULL pointer').get('BUG: kernel NULL pointer dereference, address: 0000000000000000')).toBe(
      'markup.heading.report',
    );
    expect(find('#PF: error_code(0x0002)').get('0x0002')).toBe('constant.numeric.hex.error-code');
    expect(find('---[ end trace').get('---[ end trace 0000000000000000 ]---')).toBe('markup.heading.end-trace');

    const codeLine = lines.find((l) => l.includes('0f 05 <48> 3d 01'))!;
    expect(tokensOf(codeLine).get('Code:')).toBe('keyword.other.code');
    expect(scopeAt(codeLine, codeLine.indexOf('<48>') + 1)).toBe('constant.numeric.hex.faulting-byte');
    expect(scopeAt(codeLine, codeLine.indexOf('0f 05'))).toBe('constant.numeric.hex.code-byte');
  });

  it('marks crash utility `bt -l` frames, exception RIP and source lines', () => {
    const lines = readLines(path.join(crashes, 'lab/runs/c_bugon_vmcore/crash/07_bt-l.txt'));
    const tokens = tokenize(lines);
    const at = (needle: string): Map<string, string> => tokens[lines.findIndex((l) => l.includes(needle))]!;

    const frame = at('#5 [ffffc900003dbd60] do_one_initcall');
    expect(frame.get('#5')).toBe('constant.numeric.frame-index');
    expect(frame.get('do_one_initcall')).toBe('entity.name.function.frame');
    expect(frame.get('ffffffff810024b9')).toBe('constant.numeric.address');

    const exception = at('[exception RIP: crash_bugon_process+13]');
    expect(exception.get('crash_bugon_process')).toBe('entity.name.function.frame');
    expect(exception.get('+13')).toBe('constant.numeric.offset');

    const source = at('init/main.c: 1270');
    expect(source.get('debian/build/build_amd64_none_cloud-amd64/init/main.c')).toBe('string.unquoted.path');
    expect(source.get('1270')).toBe('constant.numeric.line');
  });

  it('marks arm64 `[<addr>] func+off/len` frames', () => {
    const lines = readLines(path.join(crashes, 'wild/squad-oops-L91-127.txt'));
    const frame = tokensOf(lines.find((l) => l.includes('] dump_backtrace+0x0/0x1e0'))!);
    expect(frame.get('[<ffffff800808c000>] ')).toBe('constant.numeric.address');
    expect(frame.get('dump_backtrace')).toBe('entity.name.function.frame');
  });

  it('tags the symbol of every lab frame (frames.jsonl) as a function', () => {
    const records = readFileSync(path.join(crashes, 'lab/frames.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { raw_line: string; symbol: string });
    const missed = records.filter((r) => tokensOf(r.raw_line).get(r.symbol) !== 'entity.name.function.frame');
    console.log(`vscode-grammar: ${records.length - missed.length}/${records.length} lab frame symbols tagged`);
    expect(records.length).toBeGreaterThan(20);
    expect(missed.map((r) => r.raw_line)).toEqual([]);
  });
});
