// Tests wait for states, never for fixed times: these poll a probe until it holds (or, for holdsFor, as
// long as it must hold), and a failure names what was awaited and what was seen last.

const POLL_MS = 10;
const pause = (ms = POLL_MS) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Patience {
  timeoutMs?: number;
  // Some probes must not be polled fast: see lockWaits.
  intervalMs?: number;
}

// Resolves with the probe's first value that is neither undefined nor false.
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  patience: number | Patience = {},
): Promise<T> {
  const { timeoutMs = 5000, intervalMs = POLL_MS } = typeof patience === 'number' ? { timeoutMs: patience } : patience;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== false) return last as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${JSON.stringify(last)})`);
    await pause(intervalMs);
  }
}

// Fails as soon as the condition stops holding within the window: for "nothing happens meanwhile".
export async function holdsFor(ms: number, what: string, condition: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!condition()) throw new Error(`expected ${what} for ${ms} ms; it stopped holding`);
    await pause();
  }
}
