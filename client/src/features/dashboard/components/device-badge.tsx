import { useIntl } from 'react-intl';
import { deviceKeyKind } from '../../../../../contracts/lock-policy.ts';
import { deviceLabel } from './format.ts';

// A lock holder or a refused device as a proctor tells it apart: address, browser, and key fingerprint.
export function DeviceBadge({ ip, device, userAgent, compact = false }: { ip: string | null; device: string | null; userAgent: string | null; compact?: boolean }) {
  const intl = useIntl();
  if (ip === null) return <span className="muted">{intl.formatMessage({ id: 'device.nobody' })}</span>;
  const label = deviceLabel(intl, userAgent);
  const fingerprint = device && intl.formatMessage({ id: 'device.fingerprint' }, { fingerprint: device });
  // A key the browser cannot hand out is the normal case (said on hover); a cookie key (which can be
  // copied) is marked.
  const kind = device === null ? undefined : deviceKeyKind(device);
  const kindHint = kind && intl.formatMessage({ id: kind === 'bound' ? 'device.boundKey.hint' : 'device.cookieKey.hint' });
  const cookieKey = kind === 'cookie' && (
    <span className="key-kind" title={kindHint}>
      {' · '}
      {intl.formatMessage({ id: 'device.cookieKey' })}
    </span>
  );
  if (compact) {
    return (
      <span className="device-badge" title={[ip, label, fingerprint].filter(Boolean).join(' · ')}>
        <bdi className="ip">{ip}</bdi>
        <span className="muted"> · {label}</span>
        {device && (
          <bdi className="fingerprint" title={kindHint}>
            {' · '}
            {device}
          </bdi>
        )}
        {cookieKey}
      </span>
    );
  }
  return (
    <span className="device-badge">
      <bdi className="ip">{ip}</bdi>
      <span className="device-line">
        {label}
        {fingerprint && (
          <>
            {' · '}
            <bdi className="fingerprint" title={kindHint}>
              {fingerprint}
            </bdi>
          </>
        )}
        {cookieKey}
      </span>
    </span>
  );
}
