-- Rows purged by an earlier version kept the reasons people wrote and the address inside a cleared
-- throttle's details. Purge removes those now, and `audit verify` holds every purged row to that.
UPDATE audit_events SET reason = NULL WHERE purged_at IS NOT NULL AND actor IS NOT NULL AND reason IS NOT NULL;
UPDATE audit_events SET details = JSON_REMOVE(details, '$.address') WHERE purged_at IS NOT NULL AND JSON_CONTAINS_PATH(details, 'one', '$.address');
