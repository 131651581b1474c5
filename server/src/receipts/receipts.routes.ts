import { Router } from 'express';
import { ReceiptParams } from '../../../contracts/receipt.ts';
import type { SecretSource } from '../lib/app-secrets.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, type ProctorGuard, sendJson } from '../lib/http.ts';
import { checkInByReceipt } from './receipts.service.ts';
import { coveredParticipant } from '../proctor-auth/proctor-scope-guard.ts';

export function receiptRoutes(db: Database, guard: ProctorGuard, key: SecretSource): Router {
  const router = Router();
  router.get('/api/proctor/receipts/:receipt', guard.read, async (req, res) => {
    const { receipt } = parseBody(ReceiptParams, req.params);
    sendJson(res, await checkInByReceipt(db, key, receipt, (code) => coveredParticipant(db, req, code)));
  });
  return router;
}
