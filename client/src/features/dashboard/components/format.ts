import type { ParticipantStatus } from '../../../../../contracts/checkin.ts';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

export function formatTime(iso: string | null): string {
  return iso ? time.format(new Date(iso)) : '—';
}

export const STATUS_LABEL: Record<ParticipantStatus, { icon: string; text: string }> = {
  unused: { icon: '○', text: 'Not checked in' },
  in_progress: { icon: '●', text: 'In progress' },
  expired: { icon: '✓', text: 'Finished' },
};

export function shortAgent(userAgent: string | null): string {
  if (!userAgent) return 'unknown browser';
  const match = /(Firefox|Edg|Chrome|Safari|HeadlessChrome)\/[\d.]+/.exec(userAgent);
  const os = /(Android|iPhone|iPad|Windows|Mac OS X|Linux)/.exec(userAgent);
  return [match?.[0].split('.')[0], os?.[0]].filter(Boolean).join(' on ') || userAgent.slice(0, 40);
}
