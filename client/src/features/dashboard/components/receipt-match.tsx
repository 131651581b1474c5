import type { UseQueryResult } from '@tanstack/react-query';
import { useIntl } from 'react-intl';
import { formatReceipt, type ReceiptLookup } from '../../../../../contracts/receipt.ts';
import { ApiError } from '../../../lib/api-client.ts';
import { formatDateTime } from './format.ts';

// What the search box found for a receipt a participant showed: announced to screen readers as it arrives.
export function ReceiptMatch({ receipt, match, timeZone }: { receipt: string; match: UseQueryResult<ReceiptLookup>; timeZone: string | undefined }) {
  const intl = useIntl();
  const shown = <bdi dir="ltr" className="code">{formatReceipt(receipt)}</bdi>;
  let text;
  if (match.isPending) text = intl.formatMessage({ id: 'receipt.looking' }, { receipt: shown });
  else if (match.isError) {
    text = intl.formatMessage({ id: match.error instanceof ApiError && match.error.code === 'not_found' ? 'receipt.none' : 'receipt.failed' }, { receipt: shown });
  } else {
    const { participant, auditEvent, holdsLock } = match.data;
    text = (
      <>
        {intl.formatMessage(
          { id: auditEvent.type === 'lock_transferred' ? 'receipt.foundMoved' : 'receipt.found' },
          {
            receipt: shown,
            name: <bdi>{participant.fullName}</bdi>,
            code: <bdi className="code">{participant.code}</bdi>,
            session: <bdi>{participant.sessionName}</bdi>,
            at: formatDateTime(intl, auditEvent.at, timeZone),
            event: auditEvent.id,
          },
        )}{' '}
        <strong>{intl.formatMessage({ id: holdsLock ? 'receipt.holds' : 'receipt.changed' })}</strong>
      </>
    );
  }
  return (
    <p role="status" className={`receipt-match${match.isError ? ' is-missing' : ''}`} data-testid="receipt-match">
      {text}
    </p>
  );
}
