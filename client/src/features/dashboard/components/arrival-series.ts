import type { ArrivalCurve } from '../../../../../contracts/arrivals.ts';

export interface ArrivalPoint {
  at: string;
  // Checked in so far (first check-ins up to the end of this minute).
  present: number;
  arrivals: number;
  refusals: number;
  conflicts: number;
}

const MINUTE_MS = 60_000;
// A chart of a morning: longer spans show their last four hours (the totals still count everything).
export const SHOWN_MINUTES = 240;

// Every minute from the first event (or SHOWN_MINUTES before the last) to `until`, quiet minutes as zeros,
// with the running count of arrivals.
export function arrivalSeries(curve: ArrivalCurve, until: Date): ArrivalPoint[] {
  if (curve.minutes.length === 0) return [];
  const byMinute = new Map(curve.minutes.map((minute) => [Date.parse(minute.at), minute]));
  const last = Math.max(Date.parse(curve.minutes.at(-1)!.at), Math.floor(until.getTime() / MINUTE_MS) * MINUTE_MS);
  const first = Math.max(Date.parse(curve.minutes[0]!.at), last - (SHOWN_MINUTES - 1) * MINUTE_MS);
  let present = curve.minutes.filter((minute) => Date.parse(minute.at) < first).reduce((sum, minute) => sum + minute.arrivals, 0);
  const points: ArrivalPoint[] = [];
  for (let time = first; time <= last; time += MINUTE_MS) {
    const minute = byMinute.get(time);
    present += minute?.arrivals ?? 0;
    points.push({ at: new Date(time).toISOString(), present, arrivals: minute?.arrivals ?? 0, refusals: minute?.refusals ?? 0, conflicts: minute?.conflicts ?? 0 });
  }
  return points;
}
