-- Each participant's conflict summary, kept by the transaction that writes the audit event it summarises
-- (see insertAuditEvent). The dashboard's list read it from a grouped pass over audit_events, which cost
-- MariaDB a derived table per participant: 30 ms of a 5,000-row list. `audit verify` replays the audit
-- log and checks these columns against it.
ALTER TABLE participants
  ADD COLUMN refused_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN last_refusal_event_id BIGINT UNSIGNED NULL,
  ADD COLUMN conflict_open TINYINT(1) NOT NULL DEFAULT 0;

UPDATE participants p
  JOIN (
    SELECT participant_id,
           SUM(event_type = 'device_conflict') AS refused,
           MAX(CASE WHEN event_type = 'device_conflict' THEN id END) AS last_conflict_id,
           MAX(CASE WHEN event_type IN ('checked_in', 'lock_reset', 'lock_transferred', 'expired', 'reopened') THEN id END) AS last_settled_id
      FROM audit_events
     WHERE participant_id IS NOT NULL
     GROUP BY participant_id
  ) c ON c.participant_id = p.id
   SET p.refused_attempts = c.refused,
       p.last_refusal_event_id = c.last_conflict_id,
       p.conflict_open = (c.last_conflict_id IS NOT NULL AND c.last_conflict_id > COALESCE(c.last_settled_id, 0));
