-- Rooms of an exam session, each with an optional capacity, seat plan and networks of its own. A session
-- without rooms works as before: nothing below changes a participant who has no room.
CREATE TABLE rooms (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(64) NOT NULL,
  capacity INT UNSIGNED NULL,
  -- Null: the session's networks apply.
  allowed_networks VARCHAR(4000) CHARACTER SET ascii COLLATE ascii_bin NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_rooms_session_name (session_id, name),
  CONSTRAINT fk_rooms_session FOREIGN KEY (session_id) REFERENCES exam_sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A room's seat plan: `position` is the plan's order (for the seat map), `draw` a random number that orders
-- the seats handed out at check-in. A free seat is `holder_id IS NULL`. Each seat is its own row, so that
-- check-ins taking seats in one room lock one seat each, never a row shared by the room; and the rows are
-- kept in draw order (the primary key), so that finding a free seat reads the table itself and taking one
-- moves no index entry (an index over the holder cost the database 70 % more per seated check-in).
CREATE TABLE seats (
  room_id BIGINT UNSIGNED NOT NULL,
  draw INT UNSIGNED NOT NULL,
  label VARCHAR(16) NOT NULL,
  position INT UNSIGNED NOT NULL,
  holder_id BIGINT UNSIGNED NULL,
  PRIMARY KEY (room_id, draw, label),
  UNIQUE KEY uq_seats_label (room_id, label),
  CONSTRAINT fk_seats_room FOREIGN KEY (room_id) REFERENCES rooms (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The participant's room and seat (the seat row's holder names them back; both are written together).
-- No unique keys over these, nor over a seat's holder: Galera certifies a unique key's NULL as one value, so
-- every check-in of a room would conflict with every other across nodes (seen: about a third of a burst
-- through two nodes retried). A seat row holds one holder by its primary key; `audit verify` checks the rest.
ALTER TABLE participants
  ADD COLUMN room_id BIGINT UNSIGNED NULL,
  ADD COLUMN seat VARCHAR(16) NULL,
  ADD KEY ix_participants_room (room_id),
  ADD CONSTRAINT fk_participants_room FOREIGN KEY (room_id) REFERENCES rooms (id);

-- none: no seats; fixed: seats come with the roster; at_check_in: a participant of a room with a seat plan
-- who has no seat gets a free one at random when their device takes the lock.
ALTER TABLE exam_sessions ADD COLUMN seating ENUM('none', 'fixed', 'at_check_in') NOT NULL DEFAULT 'none';

-- Where the participant sat after the event. In the hash chain only when set, so older rows keep their hashes.
ALTER TABLE audit_events
  ADD COLUMN room_id BIGINT UNSIGNED NULL,
  ADD COLUMN seat VARCHAR(16) NULL;
