import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './project-root.ts';

export const CLIENT_DIST = path.join(PROJECT_ROOT, 'dist', 'client');
const CLIENT_SOURCES = [path.join(PROJECT_ROOT, 'client'), path.join(PROJECT_ROOT, 'contracts'), path.join(PROJECT_ROOT, 'vite.config.ts')];

function newestChange(target: string): number {
  if (!existsSync(target)) return 0;
  const stats = statSync(target);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestChange(path.join(target, entry)));
  }
  return newest;
}

export function clientBuildIsCurrent(): boolean {
  const index = path.join(CLIENT_DIST, 'index.html');
  if (!existsSync(index)) return false;
  return statSync(index).mtimeMs >= Math.max(...CLIENT_SOURCES.map(newestChange));
}

// `npm start` on a fresh clone has no build yet; building here keeps the quickstart at two commands.
export async function ensureClientBuild(log: (message: string) => void): Promise<string> {
  if (clientBuildIsCurrent()) return CLIENT_DIST;
  log('Building the web client (first start or changed sources)...');
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error('The web client is not built and Vite is not installed: run `npm install` (with dev dependencies) or `npm run build`.');
  }
  // vite.config.ts builds with NODE_ENV=production; this process keeps its own.
  const nodeEnv = process.env.NODE_ENV;
  try {
    await vite.build({ configFile: path.join(PROJECT_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return CLIENT_DIST;
}
