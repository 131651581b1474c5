// The slowest tests of a run, printed at its end by the vitest and the Playwright reporter alike: where the
// suite's time goes, and which test to look at first when a run gets slower.
export const SLOWEST_SHOWN = 10;

export interface TimedTest {
  // "file › test title"
  name: string;
  durationMs: number;
}

export function slowestTestsReport(layer: string, tests: TimedTest[]): string {
  const slowest = [...tests].sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST_SHOWN);
  if (slowest.length === 0) return '';
  const width = Math.max(...slowest.map((test) => formatSeconds(test.durationMs).length));
  const lines = slowest.map((test) => `  ${formatSeconds(test.durationMs).padStart(width)}  ${test.name}`);
  return [`\nSlowest ${slowest.length} ${layer} tests:`, ...lines, ''].join('\n');
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
