import type { Database } from '../lib/database.ts';

export interface PurgeReport {
  auditRows: number;
  deviceChangeRequests: number;
  finishedLocks: number;
  apiTokenUses: number;
  failureCounts: number;
  proctorSessions: number;
  spentChallenges: number;
  webhookDeliveries: number;
}

const BATCH = 5000;

// What a purged audit row no longer has: its addresses, devices, user agent and typed name; the reason a
// person wrote (rows with an actor; an attempt's reason is one of the server's own words); and the keys
// of its details that name an address (a throttle cleared for an address). `audit verify` holds purged
// rows to the same list.
export const PURGED_COLUMNS = ['source_ip', 'device', 'user_agent', 'submitted_name_hash', 'locked_ip_before', 'locked_ip_after', 'locked_device_before', 'locked_device_after'] as const;
export const PURGED_DETAIL_KEYS = ['address'] as const;
export const reasonIsPurged = (row: { actor: string | null }) => row.actor !== null;

const PURGE_AUDIT_ROWS = `
  UPDATE audit_events
     SET ${PURGED_COLUMNS.map((column) => `${column} = NULL`).join(', ')},
         reason = CASE WHEN actor IS NULL THEN reason END,
         details = ${PURGED_DETAIL_KEYS.reduce((sql, key) => `CASE WHEN JSON_CONTAINS_PATH(${sql}, 'one', '$.${key}') THEN JSON_REMOVE(${sql}, '$.${key}') ELSE ${sql} END`, 'details')},
         purged_at = UTC_TIMESTAMP(3)
   WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND purged_at IS NULL
   LIMIT ${BATCH}`;

// Privacy: after the retention period the audit log keeps what happened and when, not who from where.
// Batched, so a large purge never holds locks on the live table for long.
export async function purgePersonalData(db: Database, olderThanS: number, proctorIdleMin: number): Promise<PurgeReport> {
  return db.read(async (handle) => {
    let auditRows = 0;
    for (;;) {
      const result = await handle.run(PURGE_AUDIT_ROWS, [olderThanS]);
      auditRows += result.affectedRows;
      if (result.affectedRows < BATCH) break;
    }
    const requests = await handle.run(
      `UPDATE device_change_requests SET requester_ip = '', requester_device = NULL, requester_user_agent = NULL, holder_ip = NULL
        WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND requester_ip <> ''`,
      [olderThanS],
    );
    // The lock holder of a participant who is done, once every event of theirs is purged: the replay of
    // `audit verify` then no longer knows the holder either, and the two still agree. Done is an expired
    // code, or a session whose check-in has closed: no device can check in there any more, so the lock
    // protects nothing (a session without a closing time never closes; its codes are expired by a proctor).
    const locks = await handle.run(
      `UPDATE participants p JOIN exam_sessions s ON s.id = p.session_id SET p.locked_ip = NULL, p.locked_device = NULL
        WHERE (p.locked_ip IS NOT NULL OR p.locked_device IS NOT NULL)
          AND ((p.status = 'expired' AND p.status_updated_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND) OR s.closes_at < UTC_TIMESTAMP(3))
          AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.participant_id = p.id AND a.purged_at IS NULL)`,
      [olderThanS],
    );
    // Who called the API from where: the token's use list keeps what was called and when.
    const tokenUses = await handle.run(
      'UPDATE api_token_uses SET source_ip = NULL WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND source_ip IS NOT NULL',
      [olderThanS],
    );
    // A count whose window has ended limits nobody any more (no window is longer than a day).
    const failures = await handle.run('DELETE FROM attempt_failures WHERE window_started_at < UTC_TIMESTAMP(3) - INTERVAL 1 DAY');
    const sessions = await handle.run(
      'DELETE FROM proctor_sessions WHERE expires_at < UTC_TIMESTAMP(3) OR last_seen_at < UTC_TIMESTAMP(3) - INTERVAL ? MINUTE',
      [proctorIdleMin],
    );
    // A spent challenge past its expiry could not be used again anyway: its MAC says it expired.
    const challenges = await handle.run('DELETE FROM device_challenges_used WHERE expires_at < UTC_TIMESTAMP(3)');
    // Given-up deliveries keep only the audit row they point to (delivered ones are deleted when delivered),
    // and so do those of removed subscriptions (instances that read the session before a removal may
    // still queue for it for a second; nothing delivers them).
    const deliveries = await handle.run(
      `DELETE FROM webhook_outbox
        WHERE (gave_up_at IS NOT NULL AND event_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND)
           OR subscription_id IN (SELECT id FROM webhook_subscriptions WHERE removed_at IS NOT NULL)`,
      [olderThanS],
    );
    return {
      auditRows,
      deviceChangeRequests: requests.affectedRows,
      finishedLocks: locks.affectedRows,
      apiTokenUses: tokenUses.affectedRows,
      failureCounts: failures.affectedRows,
      proctorSessions: sessions.affectedRows,
      spentChallenges: challenges.affectedRows,
      webhookDeliveries: deliveries.affectedRows,
    };
  });
}

export function parseRetention(text: string): number | undefined {
  const match = /^(\d+)\s*(d|h|m)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = { d: 86_400, h: 3_600, m: 60 }[match[2]!.toLowerCase() as 'd' | 'h' | 'm'];
  return Number(match[1]) * unit;
}
