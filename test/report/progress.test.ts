// The terminal progress line: drawn in place on a TTY, erased when done, silent otherwise.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../clients/report/index.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('startProgress', () => {
  it('redraws one line with each step and erases it when done', () => {
    const c = capture();
    const p = startProgress(c.stream, { enabled: true });
    p.step('resolving frames 1/3');
    p.step('resolving frames 2/3');
    p.done();
    const draws = c.text().split('\r\x1b[2K').filter(Boolean);
    expect(draws.map((d) => d.replace(/ [\d.]+s$/, ''))).toEqual(['⠋ resolving frames 1/3', '⠙ resolving frames 2/3']);
    expect(c.text().endsWith('\r\x1b[2K')).toBe(true);
    expect(c.text()).not.toContain('\n');
  });

  it('prints nothing when not on a terminal', () => {
    const c = capture();
    const p = startProgress(c.stream, { enabled: false });
    p.step('x');
    p.done();
    expect(c.text()).toBe('');
  });
});
