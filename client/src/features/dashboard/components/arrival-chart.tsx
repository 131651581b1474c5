import { Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useIntl } from 'react-intl';
import type { ArrivalPoint } from './arrival-series.ts';
import { formatTime } from './format.ts';

// Colours that keep 3:1 against the card in light and dark themes; text is the page's own colour.
const COLOURS = { present: '#2f6fdf', expected: '#7a7f8a', refusals: '#c2410c', conflicts: '#b91c1c' };

// The picture (recharts, SVG): arrivals so far against the number expected, and refusals and conflicts per
// minute. Right to left, time runs from right to left and the axes swap sides. Loaded only with the dashboard.
export default function ArrivalChart({ points, expected, timeZone, rtl }: { points: ArrivalPoint[]; expected: number; timeZone: string | undefined; rtl: boolean }) {
  const intl = useIntl();
  const time = (iso: string) => formatTime(intl, iso, timeZone).slice(0, 5);
  const names = {
    present: intl.formatMessage({ id: 'arrivals.present' }),
    refusals: intl.formatMessage({ id: 'arrivals.refusals' }),
    conflicts: intl.formatMessage({ id: 'arrivals.conflicts' }),
  };
  const tick = { fill: 'currentColor', fontSize: 12 };
  return (
    <ResponsiveContainer width="100%" height={220}>
      <ComposedChart data={points} margin={{ top: 16, right: 8, bottom: 0, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} />
        <XAxis dataKey="at" tickFormatter={time} reversed={rtl} tick={tick} minTickGap={24} />
        <YAxis yAxisId="count" orientation={rtl ? 'right' : 'left'} domain={[0, Math.max(expected, 1)]} allowDecimals={false} tick={tick} width={36} />
        <YAxis yAxisId="perMinute" orientation={rtl ? 'left' : 'right'} allowDecimals={false} tick={tick} width={28} />
        <Tooltip labelFormatter={(label) => (typeof label === 'string' ? time(label) : '')} contentStyle={{ background: 'var(--card)', color: 'var(--text)', borderColor: 'var(--border)' }} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <ReferenceLine
          yAxisId="count"
          y={expected}
          stroke={COLOURS.expected}
          strokeDasharray="4 4"
          label={{ value: intl.formatMessage({ id: 'arrivals.expectedLine' }, { count: expected }), fill: 'currentColor', fontSize: 12, position: rtl ? 'insideTopLeft' : 'insideTopRight' }}
        />
        <Bar yAxisId="perMinute" dataKey="refusals" name={names.refusals} fill={COLOURS.refusals} isAnimationActive={false} />
        <Bar yAxisId="perMinute" dataKey="conflicts" name={names.conflicts} fill={COLOURS.conflicts} isAnimationActive={false} />
        <Line yAxisId="count" type="stepAfter" dataKey="present" name={names.present} stroke={COLOURS.present} strokeWidth={2.5} dot={false} isAnimationActive={false} />
      </ComposedChart>
    </ResponsiveContainer>
  );
}
