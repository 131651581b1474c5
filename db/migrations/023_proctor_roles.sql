-- Proctor roles: a chief proctor does what every proctor could do before (and accounts and session
-- settings); a room proctor sees and acts on the participants of their rooms only. Existing accounts are
-- chiefs: nobody loses anything.
ALTER TABLE proctors
  ADD COLUMN role ENUM('chief', 'room') NOT NULL DEFAULT 'chief';

-- The rooms a room proctor is responsible for (a room can have several proctors).
CREATE TABLE proctor_rooms (
  proctor_id BIGINT UNSIGNED NOT NULL,
  room_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (proctor_id, room_id),
  KEY ix_proctor_rooms_room (room_id),
  CONSTRAINT fk_proctor_rooms_proctor FOREIGN KEY (proctor_id) REFERENCES proctors (id) ON DELETE CASCADE,
  CONSTRAINT fk_proctor_rooms_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
