import type { Database } from '../lib/database.ts';

export interface PurgeReport {
  auditRows: number;
  loginFailures: number;
  guessSources: number;
}

const BATCH = 5000;

// Privacy: after the retention period the audit log keeps what happened and when, not who from where.
// Batched, so a large purge never holds locks on the live table for long.
export async function purgePersonalData(db: Database, olderThanS: number): Promise<PurgeReport> {
  return db.read(async (handle) => {
    let auditRows = 0;
    for (;;) {
      const result = await handle.run(
        `UPDATE audit_events
            SET source_ip = NULL, user_agent = NULL, submitted_name_hash = NULL, locked_ip_before = NULL, locked_ip_after = NULL,
                purged_at = UTC_TIMESTAMP(3)
          WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND purged_at IS NULL
          LIMIT ${BATCH}`,
        [olderThanS],
      );
      auditRows += result.affectedRows;
      if (result.affectedRows < BATCH) break;
    }
    const failures = await handle.run('DELETE FROM login_failures WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND', [olderThanS]);
    const sources = await handle.run('DELETE FROM guess_sources WHERE last_guess_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND', [olderThanS]);
    return { auditRows, loginFailures: failures.affectedRows, guessSources: sources.affectedRows };
  });
}

export function parseRetention(text: string): number | undefined {
  const match = /^(\d+)\s*(d|h|m)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = { d: 86_400, h: 3_600, m: 60 }[match[2]!.toLowerCase() as 'd' | 'h' | 'm'];
  return Number(match[1]) * unit;
}
