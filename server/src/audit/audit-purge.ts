import type { Database } from '../lib/database.ts';

export interface PurgeReport {
  auditRows: number;
  deviceChangeRequests: number;
  finishedLocks: number;
  failureCounts: number;
  proctorSessions: number;
  spentChallenges: number;
  webhookDeliveries: number;
}

const BATCH = 5000;

// Privacy: after the retention period the audit log keeps what happened and when, not who from where.
// Batched, so a large purge never holds locks on the live table for long.
export async function purgePersonalData(db: Database, olderThanS: number, proctorIdleMin: number): Promise<PurgeReport> {
  return db.read(async (handle) => {
    let auditRows = 0;
    for (;;) {
      const result = await handle.run(
        `UPDATE audit_events
            SET source_ip = NULL, device = NULL, user_agent = NULL, submitted_name_hash = NULL, locked_ip_before = NULL, locked_ip_after = NULL,
                locked_device_before = NULL, locked_device_after = NULL, purged_at = UTC_TIMESTAMP(3)
          WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND purged_at IS NULL
          LIMIT ${BATCH}`,
        [olderThanS],
      );
      auditRows += result.affectedRows;
      if (result.affectedRows < BATCH) break;
    }
    const requests = await handle.run(
      `UPDATE device_change_requests SET requester_ip = '', requester_device = NULL, requester_user_agent = NULL, holder_ip = NULL
        WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND requester_ip <> ''`,
      [olderThanS],
    );
    // The lock holder of a participant who finished long ago, once every event of theirs is purged: the
    // replay of `audit verify` then no longer knows the holder either, and the two still agree.
    const locks = await handle.run(
      `UPDATE participants p SET p.locked_ip = NULL, p.locked_device = NULL
        WHERE p.status = 'expired' AND p.status_updated_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND p.locked_ip IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.participant_id = p.id AND a.purged_at IS NULL)`,
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
