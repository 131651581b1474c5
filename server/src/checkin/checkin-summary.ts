import type { Logger } from '../lib/logger.ts';

// A person watching the terminal on exam morning wants to see that check-ins flow and how many are
// refused, not a line per request: one line every few seconds while there is traffic, nothing otherwise.
export class CheckInSummary {
  #counts = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, everyS: number) {
    if (everyS === 0) return;
    this.#timer = setInterval(() => {
      if (this.#counts.size === 0) return;
      const counts = Object.fromEntries([...this.#counts].sort(([, a], [, b]) => b - a));
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      this.#counts.clear();
      logger.info({ outcomes: counts }, `${total} check-in attempt(s) in the last ${everyS} s: ${Object.entries(counts).map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
    }, everyS * 1000);
    this.#timer.unref();
  }

  count(outcome: string): void {
    if (this.#timer === undefined) return;
    this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + 1);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
