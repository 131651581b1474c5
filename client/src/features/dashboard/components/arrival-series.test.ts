import { describe, expect, it } from 'vitest';
import { arrivalSeries, SHOWN_MINUTES } from './arrival-series.ts';

const minute = (at: string, arrivals = 0, refusals = 0, conflicts = 0) => ({ at, arrivals, refusals, conflicts });

describe('arrivalSeries', () => {
  it('fills quiet minutes with zeros and counts arrivals up to now', () => {
    const curve = { sessionId: 1, expected: 10, minutes: [minute('2026-06-01T08:55:00.000Z', 3, 1), minute('2026-06-01T08:57:00.000Z', 2, 0, 1)] };
    const series = arrivalSeries(curve, new Date('2026-06-01T08:58:30Z'));
    expect(series.map((point) => [point.at.slice(11, 16), point.present, point.refusals, point.conflicts])).toEqual([
      ['08:55', 3, 1, 0],
      ['08:56', 3, 0, 0],
      ['08:57', 5, 0, 1],
      ['08:58', 5, 0, 0],
    ]);
  });

  it('shows the last four hours of a longer span, counting the arrivals before them', () => {
    const curve = { sessionId: 1, expected: 10, minutes: [minute('2026-06-01T00:00:00.000Z', 4), minute('2026-06-01T10:00:00.000Z', 1)] };
    const series = arrivalSeries(curve, new Date('2026-06-01T10:00:10Z'));
    expect(series).toHaveLength(SHOWN_MINUTES);
    expect(series[0]).toMatchObject({ at: '2026-06-01T06:01:00.000Z', present: 4 });
    expect(series.at(-1)).toMatchObject({ present: 5, arrivals: 1 });
  });

  it('is empty before anything happened', () => {
    expect(arrivalSeries({ sessionId: 1, expected: 3, minutes: [] }, new Date())).toEqual([]);
  });
});
