-- Failed check-ins are counted from the audit log; these keep each count a short index range even for an
-- address (a NAT'ed exam hall) with thousands of successful check-ins.
ALTER TABLE audit_events
  ADD KEY ix_audit_ip_type_time (source_ip, event_type, created_at),
  ADD KEY ix_audit_code_type_time (code, event_type, created_at);
