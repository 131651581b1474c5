// <input type="datetime-local"> holds a wall-clock time without a zone; the exam's window is entered in the
// exam's time zone and stored in UTC. Intl formats an instant in a zone but cannot read a wall time back,
// so the zone's offset at that wall time is measured and applied (twice, for the hours a DST change moves).

function wallParts(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

const offsetAt = (instant: number, timeZone: string) => wallParts(instant, timeZone) - Math.floor(instant / 1000) * 1000;

// A date and time without a zone or offset, as a datetime-local input or an operator types it.
export const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/;
// An instant: a date and time ending in Z or an offset from UTC.
export const INSTANT_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

// '2026-06-01T09:30' in Europe/Berlin -> '2026-06-01T07:30:00.000Z'
export function wallTimeToUtc(value: string, timeZone: string): string {
  const match = WALL_TIME.exec(value);
  if (!match) throw new Error(`not a wall time: ${value}`);
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  const asUtc = Date.UTC(year!, month! - 1, day, hour, minute);
  const first = asUtc - offsetAt(asUtc, timeZone);
  return new Date(asUtc - offsetAt(first, timeZone)).toISOString();
}

// The value a datetime-local input shows for an instant in a time zone.
export function utcToWallTime(iso: string, timeZone: string): string {
  return new Date(wallParts(Date.parse(iso), timeZone)).toISOString().slice(0, 16);
}
