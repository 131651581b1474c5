import { queryOptions } from '@tanstack/react-query';
import { ReceiptLookup } from '../../../../../contracts/receipt.ts';
import { apiRequest } from '../../../lib/api-client.ts';

// The check-in a participant's receipt names. Asked again each time it is typed: whether the device still
// holds the lock changes.
export const receiptQuery = (receipt: string) =>
  queryOptions({
    queryKey: ['receipt', receipt] as const,
    queryFn: () => apiRequest(`/api/proctor/receipts/${receipt}`, ReceiptLookup),
    retry: false,
    staleTime: 0,
  });
