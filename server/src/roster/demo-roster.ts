import type { Database } from '../lib/database.ts';
import { countSessions } from './roster.repo.ts';
import { type ImportedParticipant, importRoster } from './roster.service.ts';

const DEMO_NAMES = [
  'Amira Haddad', 'José Álvarez', 'Zoë Müller', '李明', 'محمد علي', 'Søren Lindqvist', 'Aiko Tanaka',
  'Chidi Okafor', 'Élodie Moreau', 'Mateusz Wiśniewski', 'Priya Raman', 'Ólafur Jónsson', 'Nguyễn Văn An',
  'Fatma Yılmaz', 'Lucía Fernández', 'Kwame Mensah', 'Ingrid Bergström', 'Dmitri Ivanov', 'Hana Kovačević',
  'Rafael Costa', 'Siobhán Murphy', 'Tomás Ruiz', 'Yuki Sato', 'Leila Karimi', 'Björn Nilsson',
  'Ana Popescu', 'Omar Farouk', 'Grace Adeyemi', 'Jae-won Park', 'Camille Dubois',
];

export const DEMO_SESSION_NAME = 'Demo exam';

// Only on an empty database, so a real deployment's data is never mixed with demo rows.
export async function seedDemoIfEmpty(db: Database): Promise<ImportedParticipant[] | undefined> {
  if ((await db.read(countSessions)) > 0) return undefined;
  const { participants } = await importRoster(
    db,
    DEMO_SESSION_NAME,
    DEMO_NAMES.map((fullName, index) => ({ line: index + 1, code: '', fullName })),
  );
  return participants;
}
