import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from './heap-growth.ts';

describe('heapGrowthFlag', () => {
  it('when node was started without the flag, then the project default is set', () => {
    expect(heapGrowthFlag(['--enable-source-maps'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it('when the operator chose a value on the command line, in either spelling, then it is left alone', () => {
    expect(heapGrowthFlag(['--heap-growing-percent=300'])).toBeUndefined();
    expect(heapGrowthFlag(['--heap_growing_percent=0'])).toBeUndefined();
  });
});
