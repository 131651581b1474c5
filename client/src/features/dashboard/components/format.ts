import { browserAndSystem } from '../../../../../contracts/user-agent.ts';
import type { IntlShape } from 'react-intl';

// Times on the dashboard are shown in the exam's time zone.
export function formatTime(intl: IntlShape, iso: string | null, timeZone: string | undefined): string {
  return iso ? intl.formatTime(iso, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone }) : '—';
}

export function formatDateTime(intl: IntlShape, iso: string, timeZone: string | undefined): string {
  return intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short', timeZone });
}

// "Firefox on Windows": enough to tell two laptops behind one address apart at a glance.
export function deviceLabel(intl: IntlShape, userAgent: string | null): string {
  if (!userAgent) return intl.formatMessage({ id: 'device.unknown' });
  const { browser, system } = browserAndSystem(userAgent);
  if (browser && system) return intl.formatMessage({ id: 'device.label' }, { browser, system });
  return browser ?? system ?? userAgent.slice(0, 40);
}
