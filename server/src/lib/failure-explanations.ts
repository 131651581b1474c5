import { ConfigError } from './config.ts';
import { ClusterNotReadyError, describeNode, nodeUrls } from './database-url.ts';
import { DatabaseBinaryMissingError } from './local-database.ts';

interface SystemError {
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
  hostname?: string;
  sqlMessage?: string;
}

export interface FailureContext {
  databaseUrl?: string;
  host?: string;
  port?: number;
}

function databaseName(url: string | undefined): { where: string; user: string; database: string } {
  try {
    const nodes = nodeUrls(url ?? '');
    const parsed = new URL(nodes[0]!);
    return { where: nodes.map(describeNode).join(', '), user: decodeURIComponent(parsed.username), database: parsed.pathname.slice(1) };
  } catch {
    return { where: 'the database', user: '', database: '' };
  }
}

// What a person can do about a failure they can cause: one or two lines that name the thing and the fix.
// Undefined for anything else (a bug), which is shown with its stack.
export function explainFailure(error: unknown, context: FailureContext = {}): string | undefined {
  if (error instanceof ConfigError || error instanceof DatabaseBinaryMissingError) return error.message;
  if (error instanceof ClusterNotReadyError) {
    return `${error.message}\nexamgate serves only from a Galera node that is Primary and Synced. Wait for the node to rejoin, or list several nodes in DATABASE_URL (mysql://user:password@node1:3306,node2:3306/examgate).`;
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const failure = error as SystemError;
  const db = databaseName(context.databaseUrl);
  const fix = context.databaseUrl ? 'Check DATABASE_URL.' : 'Check the private server\'s log in DATA_DIR (server.log).';
  if (failure.syscall === 'listen' && failure.code === 'EADDRINUSE') {
    return `Port ${context.port} on ${context.host} is already in use (another examgate, or another program).\nStop it, or start on another port: PORT=${(context.port ?? 3000) + 1} npm start`;
  }
  if (failure.syscall === 'listen' && (failure.code === 'EACCES' || failure.code === 'EADDRNOTAVAIL')) {
    return `examgate may not listen on ${context.host}:${context.port} (${failure.code === 'EACCES' ? 'ports below 1024 need privileges' : 'this machine has no such address'}).\nChoose another: HOST=127.0.0.1 PORT=3000 npm start`;
  }
  switch (failure.code) {
    case 'ECONNREFUSED':
      return `Cannot reach the database at ${db.where}: the connection was refused. Is the server running? ${fix}`;
    case 'ETIMEDOUT':
      return `The database at ${db.where} did not answer in time. ${fix}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The database host "${failure.hostname ?? db.where}" was not found. ${fix}`;
    case 'ER_ACCESS_DENIED_ERROR':
      return `The database at ${db.where} refused user "${db.user}": wrong user name or password. ${fix}`;
    case 'ER_BAD_DB_ERROR':
      return `The database "${db.database}" does not exist at ${db.where}. Create it (CREATE DATABASE ${db.database}) or ${fix.toLowerCase()}`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `User "${db.user}" may not use the database "${db.database}" at ${db.where}. Grant it access, or ${fix.toLowerCase()}`;
    case 'ENOENT':
      return failure.path ? `No such file: ${failure.path}` : undefined;
    case 'EACCES':
      return failure.path ? `Cannot read ${failure.path}: permission denied.` : undefined;
    case 'EISDIR':
      return failure.path ? `${failure.path} is a directory, not a file.` : undefined;
    default:
      return undefined;
  }
}
