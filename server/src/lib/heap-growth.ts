import v8 from 'node:v8';

// Between full collections V8 lets the old generation grow to up to four times what survived the last
// one when collecting looks cheap, as it does for a server whose live heap is ~30 MB. During an exam-start
// burst that made the server's resident memory peak at 230-265 MB with ~35 MB live. Growing by at most
// the live size (factor 2) keeps the peak near 180 MB; the extra full collections of a 30 MB heap cost no
// measurable CPU (see README, Performance). V8 reads the factor at every collection, so setting it at
// start-up works; an explicit --heap-growing-percent on the command line wins.
export const HEAP_GROWING_PERCENT = 100;

export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowthFlag(execArgv);
  if (flag) v8.setFlagsFromString(flag);
}
