// The report store in process: which languages are read as crash text, when a document becomes and stops
// being a report, and that typing does not re-analyse a document on every keystroke (analyses are counted
// through a spy on the analysis, which the store runs on the spot from TypeScript sources).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { analyzeReport } from '../../server/reports/report-analysis.js';
import { type AnalysisEvent, mayHoldReport, ReportStore } from '../../server/reports/report-store.js';

vi.mock('../../server/reports/report-analysis.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../server/reports/report-analysis.js')>();
  return { ...actual, analyzeReport: vi.fn(actual.analyzeReport) };
});

const analyses = vi.mocked(analyzeReport);
const oops = readFileSync(path.resolve(import.meta.dirname, '../../examples/oopses/null_pointer.log'), 'utf8');
const boot = oops.slice(0, oops.indexOf('[crashlab] insmod'));
/** Longer than the store's quiet time after an edit. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 400));

let events: AnalysisEvent[];
let store: ReportStore;

beforeEach(() => {
  analyses.mockClear();
  events = [];
  store = new ReportStore((event) => events.push(event));
  return () => store.dispose();
});

describe('mayHoldReport', () => {
  it.each(['c', 'cpp', 'objective-c', 'objective-cpp', 'cuda-cpp'])('%s is source code, never crash text', (id) => {
    expect(mayHoldReport(id)).toBe(false);
  });
  it.each(['plaintext', 'log', 'text', '', 'messages', 'kernel-crash', 'markdown', 'mail', 'diff'])('%j may hold a crash', (id) => {
    expect(mayHoldReport(id)).toBe(true);
  });
});

describe('ReportStore', () => {
  it('a document becomes a report when one appears in it and stops being one when it is edited away', async () => {
    store.update('untitled:1', 1, boot, { opened: true });
    expect(await store.get('untitled:1')).toBeUndefined();
    expect(store.has('untitled:1')).toBe(true);
    store.update('untitled:1', 2, oops, { opened: false });
    expect((await store.get('untitled:1'))?.reports).toHaveLength(1);
    expect(store.isReport('untitled:1')).toBe(true);
    store.update('untitled:1', 3, boot, { opened: false });
    expect(await store.get('untitled:1')).toBeUndefined();
    expect(store.isReport('untitled:1')).toBe(false);
    expect(events.map((e) => [e.version, e.document !== undefined, e.wasReport])).toEqual([
      [1, false, undefined],
      [2, true, false],
      [3, false, true],
    ]);
  });

  it('a burst of edits is analysed once, after the pause, with the newest text', async () => {
    store.update('file:///var/log/kern.log', 1, boot, { opened: true });
    await store.get('file:///var/log/kern.log');
    analyses.mockClear();
    let text = boot;
    for (let version = 2; version <= 31; version++) {
      text += `[    9.${version}] typed\n`;
      store.update('file:///var/log/kern.log', version, text, { opened: false });
    }
    expect(analyses).not.toHaveBeenCalled();
    await pause();
    expect(analyses).toHaveBeenCalledTimes(1);
    expect(analyses.mock.calls[0]![0]).toBe(text);
    expect(events.at(-1)).toMatchObject({ version: 31, document: undefined, wasReport: false });
  });

  it('a request does not wait out the pause: it sees every edit made before it', async () => {
    store.update('untitled:2', 1, boot, { opened: true });
    store.update('untitled:2', 2, oops, { opened: false });
    expect((await store.get('untitled:2'))?.reports).toHaveLength(1);
  });

  it('an analysis superseded before its turn is skipped, and waiting on it gives the newest answer', async () => {
    store.update('untitled:3', 1, boot, { opened: true });
    const first = store.get('untitled:3');
    store.update('untitled:3', 2, oops, { opened: true });
    expect((await first)?.reports).toHaveLength(1);
    expect(analyses).toHaveBeenCalledTimes(1);
    expect(events.map((e) => e.version)).toEqual([2]);
  });

  it('a closed document is forgotten: a pending edit is never analysed', async () => {
    store.update('untitled:4', 1, boot, { opened: true });
    await store.get('untitled:4');
    store.update('untitled:4', 2, oops, { opened: false });
    store.delete('untitled:4');
    await pause();
    expect(analyses).toHaveBeenCalledTimes(1);
    expect(await store.get('untitled:4')).toBeUndefined();
    expect(store.has('untitled:4')).toBe(false);
  });
});
