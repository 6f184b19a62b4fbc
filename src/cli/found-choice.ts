// The question `play` asks on a terminal when a title has several matches: which one to play.
import { createInterface } from 'node:readline';

/**
 * Asks on the terminal (stderr) for a number from 1 to `count`; Enter takes 1. Null when the
 * person types q, or ends the input (Ctrl+D, Ctrl+C). The terminal is let go before play starts
 * mpv on it, so that mpv gets every key.
 */
export function askWhich(count: number): Promise<number | null> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    let answered = false;
    const finish = (value: number | null): void => {
      if (answered) return;
      answered = true;
      lines.close();
      process.stdin.pause();
      resolve(value);
    };
    lines.on('close', () => finish(null));
    lines.on('SIGINT', () => finish(null));
    const ask = (): void =>
      lines.question(`Play which? [1-${count}, Enter: 1, q: none] `, (text) => {
        const answer = text.trim().toLowerCase();
        const number = Number(answer);
        if (answer === '') return finish(1);
        if (answer === 'q') return finish(null);
        if (/^\d+$/.test(answer) && number >= 1 && number <= count) return finish(number);
        process.stderr.write(`A number from 1 to ${count}, please.\n`);
        ask();
      });
    ask();
  });
}
