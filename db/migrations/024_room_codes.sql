-- Whether a session's participants type their room's code with their check-in (shown on the room's proctor
-- screen, changing every few minutes): off, or required. Existing sessions are off: nothing changes for them.
-- The codes themselves are never stored: each is a MAC of the room and the time (app_secrets 'room-codes').
ALTER TABLE exam_sessions
  ADD COLUMN room_codes ENUM('off', 'required') NOT NULL DEFAULT 'off' AFTER device_sharing;
