import mysql from 'mysql2/promise';

// DATABASE_URL may name several nodes of one cluster, in the order to try them:
//   mysql://user:password@node1:3306,node2:3306,node3:3306/examgate
// Each node gets a URL of its own (what the MySQL driver understands); options after `?` apply to all.
export function nodeUrls(url: string): string[] {
  const match = /^(mysql:\/\/(?:[^@/]*@)?)([^/]+)(\/.*)$/.exec(url);
  if (!match) return [url];
  const [, prefix, hosts, rest] = match as unknown as [string, string, string, string];
  return hosts.split(',').map((host) => `${prefix}${host.trim()}${rest}`);
}

// Where a node URL points, for messages: host:port or the socket.
export function describeNode(url: string): string {
  try {
    const parsed = new URL(url);
    const socket = parsed.searchParams.get('socketPath');
    return socket ? `the socket ${socket}` : `${parsed.hostname}:${parsed.port || 3306}`;
  } catch {
    return 'the database';
  }
}

export interface NodeHealth {
  reachable: boolean;
  // Galera: the node is Primary, Synced and accepts queries (wsrep_ready); always true elsewhere.
  ready: boolean;
  cluster?: ClusterState;
  error?: unknown;
}

export interface ClusterState {
  size: number;
  status: string;
  state: string;
  ready: boolean;
}

export const CLUSTER_STATUS =
  "SHOW STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_local_state_comment')";

export type StatusRow = { Variable_name: string; Value: string };

// Galera's view of this node (from CLUSTER_STATUS's rows), or undefined when the server is not a Galera node.
export function clusterStateOf(rows: StatusRow[]): ClusterState | undefined {
  const status = Object.fromEntries(rows.map((row) => [row.Variable_name, row.Value]));
  if (status.wsrep_ready === undefined || status.wsrep_cluster_status === undefined || status.wsrep_cluster_status === 'Disconnected') return undefined;
  return {
    size: Number(status.wsrep_cluster_size ?? 0),
    status: status.wsrep_cluster_status,
    state: status.wsrep_local_state_comment ?? '',
    ready: status.wsrep_ready === 'ON' && status.wsrep_cluster_status === 'Primary',
  };
}

// One short connection: can examgate use this node now?
export async function probeNode(url: string, timeoutMs = 1000): Promise<NodeHealth> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs });
    const [rows] = await connection.query<(mysql.RowDataPacket & StatusRow)[]>(CLUSTER_STATUS);
    const cluster = clusterStateOf(rows);
    return { reachable: true, ready: cluster?.ready ?? true, cluster };
  } catch (error) {
    return { reachable: false, ready: false, error };
  } finally {
    await connection?.end().catch(() => {});
  }
}

// The first node, in the listed order, that is reachable and ready; for one-off connections (migrations).
// A Galera node outside the primary component is refused with ClusterNotReadyError; an unreachable one
// with the driver's error (which start-up explains).
export async function firstReadyNode(url: string, timeoutMs = 3000): Promise<string> {
  const nodes = nodeUrls(url);
  let notReady: ClusterNotReadyError | undefined;
  let unreachable: Error | undefined;
  for (const node of nodes) {
    const health = await probeNode(node, timeoutMs);
    if (health.ready) return node;
    if (health.reachable) notReady ??= new ClusterNotReadyError(describeNode(node), `${health.cluster?.status ?? '?'}, ${health.cluster?.state ?? '?'}`);
    else unreachable ??= health.error instanceof Error ? health.error : new Error(String(health.error));
  }
  throw notReady ?? unreachable!;
}

export class ClusterNotReadyError extends Error {
  constructor(
    readonly node: string,
    readonly detail: string,
  ) {
    super(`The database node ${node} is not ready to serve (${detail}).`);
    this.name = 'ClusterNotReadyError';
  }
}
