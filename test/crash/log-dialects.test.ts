// Every log dialect a user may hold a crash in: each rewrites the lab oopses of examples/oopses into that
// dialect here and must give the frames of the original console log.
import { describe, expect, it } from 'vitest';
import { framesOf, labLog } from './frame-expectations.js';
import { dialects, rewrite } from './log-dialect-table.js';

const logs = ['null_pointer.log', 'timer_crash.log', 'inline_helper.log', 'null_pointer-kaslr.log'];

describe('log dialects: a lab oops rewritten gives the original frames', () => {
  for (const log of logs) {
    const text = labLog(log);
    const original = framesOf(text);
    it(`${log} has frames to compare`, () => expect(original.length).toBeGreaterThan(5));
    it.each(Object.entries(dialects))(`${log} as %s`, (_name, dialect) => {
      expect(framesOf(rewrite(text, dialect))).toEqual(original);
    });
  }
});
