// A one-line progress indicator for a terminal: a spinner with the current step on stderr, redrawn in place
// and erased when done. On a pipe or a file it prints nothing, so logs and tests stay clean.
import type { Writable } from 'node:stream';

export interface Progress {
  step(text: string): void;
  done(): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(stream: Writable, options: { enabled: boolean }): Progress {
  if (!options.enabled) return { step: () => undefined, done: () => undefined };
  let text = '';
  let tick = 0;
  const started = Date.now();
  const draw = (): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r\x1b[2K${frames[tick++ % frames.length]} ${text} ${seconds}s`);
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    step(next) {
      text = next;
      draw();
    },
    done() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}
