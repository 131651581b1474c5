import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { findServerBinaries, freePort, initialise, serverTmpDir, tailOf } from '../../src/lib/local-database.ts';

const PROVIDERS = ['/usr/lib/galera/libgalera_smm.so', '/usr/lib/libgalera_smm.so', '/usr/lib64/galera-4/libgalera_smm.so', '/usr/lib/galera-4/libgalera_smm.so'];
const PASSWORD = 'examgate-test-cluster';

export class GaleraMissingError extends Error {
  constructor() {
    super('The cluster tests need the Galera provider (libgalera_smm.so): sudo apt-get install galera-4');
  }
}

export function findGaleraProvider(): string {
  const provider = PROVIDERS.find((candidate) => existsSync(candidate));
  if (!provider) throw new GaleraMissingError();
  return provider;
}

// The account the nodes run as. State transfers run an rsync daemon that, started by root, writes as
// `nobody` and cannot enter root's directories; so under root the nodes run as the `mysql` account (which
// the MariaDB packages create) and own their files.
function nodeAccount(): { name: string; uid: number; gid: number } {
  const me = os.userInfo();
  if (me.uid !== 0) return { name: me.username, uid: me.uid, gid: me.gid };
  const id = (flag: string) => spawnSync('id', [flag, 'mysql'], { encoding: 'utf8' });
  const uid = id('-u');
  if (uid.status !== 0) throw new Error('Running as root, the cluster tests need the `mysql` account (created by the mariadb-server package, or: useradd --system mysql).');
  return { name: 'mysql', uid: Number(uid.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function chownTree(target: string, uid: number, gid: number): void {
  chownSync(target, uid, gid);
  if (!statSync(target).isDirectory()) return;
  for (const entry of readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

export interface GaleraNode {
  index: number;
  port: number;
  // root over TCP, without a database (the test creates its own).
  serverUrl: string;
  pid: number;
  alive: boolean;
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  // A database URL naming every node, in this order, for failover.
  urlFor(database: string, order?: number[]): string;
  nodeUrl(index: number, database: string): string;
  // SIGKILL, as a crash; resolves once the process is gone.
  kill(index: number): Promise<void>;
  // Brings a killed node back: it recovers its position and catches up by incremental state transfer.
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

interface NodeFiles {
  dir: string;
  db: string;
  log: string;
  socket: string;
  port: number;
  galeraPort: number;
  istPort: number;
  sstPort: number;
}

// A local three-node Galera cluster from the installed binaries, for the cluster tests.
//
// No full state transfer is ever needed (rsync SST as root fails, and wants tools CI may lack): node 1 is
// bootstrapped once, set up and shut down cleanly, and its data directory, state UUID and position
// included, is copied to the others, which then join a cluster they are already in step with. A node
// that was killed recovers its position (--wsrep-recover) and catches up from a peer's write-set cache.
export async function startGaleraCluster(baseDir: string, size = 3): Promise<GaleraCluster> {
  const binaries = findServerBinaries();
  const provider = findGaleraProvider();
  const account = nodeAccount();
  const user = account.name;
  // Other accounts may pass through the base directory (to reach their node's), not list it.
  chmodSync(baseDir, 0o711);
  const files: NodeFiles[] = [];
  for (let i = 0; i < size; i++) {
    const dir = path.join(baseDir, `node${i + 1}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, account.uid, account.gid);
    chownSync(serverTmpDir(path.join(dir, 'db')), account.uid, account.gid);
    files.push({
      dir, db: path.join(dir, 'db'), log: path.join(dir, 'server.log'), socket: path.join(dir, 'mysqld.sock'),
      port: await freePort(), galeraPort: await listenablePort(), istPort: await listenablePort(), sstPort: await listenablePort(),
    });
  }
  const clusterAddress = `gcomm://${files.map((node) => `127.0.0.1:${node.galeraPort}`).join(',')}`;
  const args = (node: NodeFiles, index: number, extra: string[] = []) => [
    '--no-defaults',
    `--datadir=${node.db}`,
    `--tmpdir=${path.join(node.dir, 'tmp')}`,
    `--user=${user}`,
    '--bind-address=127.0.0.1',
    `--port=${node.port}`,
    `--socket=${node.socket}`,
    `--pid-file=${path.join(node.dir, 'server.pid')}`,
    `--log-error=${node.log}`,
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--default-time-zone=+00:00',
    '--max-connections=500',
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=2',
    '--binlog-format=ROW',
    '--innodb-autoinc-lock-mode=2',
    '--wsrep-on=ON',
    `--wsrep-provider=${provider}`,
    `--wsrep-cluster-address=${clusterAddress}`,
    '--wsrep-cluster-name=examgate-test',
    `--wsrep-node-name=node${index + 1}`,
    '--wsrep-node-address=127.0.0.1',
    '--wsrep-slave-threads=2',
    `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${node.galeraPort};ist.recv_addr=127.0.0.1:${node.istPort};gcache.size=64M;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.inactive_check_period=PT0.5S;evs.keepalive_period=PT0.5S`,
    '--wsrep-sst-method=rsync',
    `--wsrep-sst-receive-address=127.0.0.1:${node.sstPort}`,
    ...extra,
  ];
  const children = new Map<number, ChildProcess>();
  // A test run that dies must not leave a cluster running.
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const nodes: GaleraNode[] = files.map((node, index) => ({ index, port: node.port, serverUrl: `mysql://root:${PASSWORD}@127.0.0.1:${node.port}`, pid: -1, alive: false }));

  const launch = async (index: number, extra: string[] = [], password: string | null = PASSWORD) => {
    const node = files[index]!;
    const logFd = openSync(node.log, 'a');
    chownSync(node.log, account.uid, account.gid);
    const child = spawn(binaries.server, args(node, index, extra), { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    children.set(index, child);
    nodes[index]!.pid = child.pid!;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Galera node ${index + 1} exited while starting:\n${tailOf(node.log, 30)}`);
      if (Date.now() > deadline) throw new Error(`Galera node ${index + 1} did not become ready within 60 s:\n${tailOf(node.log, 30)}`);
      if (await isReady(node.port, password)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    nodes[index]!.alive = true;
  };

  const shutdown = async (index: number, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = children.get(index);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    nodes[index]!.alive = false;
  };

  // Node 1 alone: a new cluster, root's password, then a clean shutdown that records the position.
  initialise(binaries, files[0]!.db, user);
  chownTree(files[0]!.dir, account.uid, account.gid);
  await launch(0, ['--wsrep-new-cluster'], null);
  const setup = await mysql.createConnection({ host: '127.0.0.1', port: files[0]!.port, user: 'root' });
  try {
    const [accounts] = await setup.query<mysql.RowDataPacket[]>("SELECT User AS user, Host AS host FROM mysql.user WHERE User IN ('root', '')");
    for (const { user: name, host } of accounts) {
      if (name === '') await setup.query('DROP USER ?@?', [name, host]);
      // A host-name account is ignored by a server that resolves no names, and cannot be altered.
      else await setup.query('ALTER USER ?@? IDENTIFIED BY ?', [name, host, PASSWORD]).catch((error: { errno?: number }) => {
        if (error.errno !== 1396) throw error;
      });
    }
  } finally {
    await setup.end();
  }
  await shutdown(0);
  for (const node of files.slice(1)) {
    cpSync(files[0]!.db, node.db, { recursive: true });
    chownTree(node.dir, account.uid, account.gid);
  }
  await launch(0, ['--wsrep-new-cluster']);
  for (let index = 1; index < size; index++) await launch(index);
  await waitForSize(nodes[0]!, size);

  return {
    nodes,
    urlFor: (database, order = nodes.map((node) => node.index)) =>
      `mysql://root:${PASSWORD}@${order.map((index) => `127.0.0.1:${nodes[index]!.port}`).join(',')}/${database}`,
    nodeUrl: (index, database) => `mysql://root:${PASSWORD}@127.0.0.1:${nodes[index]!.port}/${database}`,
    kill: (index) => shutdown(index, 'SIGKILL'),
    restart: async (index) => {
      const node = files[index]!;
      const recovered = spawnSync(binaries.server, [...args(node, index), '--wsrep-recover', `--log-error=${node.log}.recover`], { encoding: 'utf8' });
      const position = /Recovered position:\s*(\S+:-?\d+)/.exec(readFileSync(`${node.log}.recover`, 'utf8'))?.[1];
      if (!position) throw new Error(`Galera node ${index + 1}: no position recovered:\n${recovered.stderr}${tailOf(`${node.log}.recover`, 20)}`);
      await launch(index, [`--wsrep-start-position=${position}`]);
      await waitForSize(nodes.find((other) => other.alive && other.index !== index)!, nodes.filter((other) => other.alive).length);
    },
    stop: async () => {
      for (let index = size - 1; index >= 0; index--) await shutdown(index);
      process.removeListener('exit', killAll);
    },
  };
}

// The ports a node opens again after a restart (group communication, incremental and full state transfer)
// lie below the kernel's range for outgoing connections: a port the OS handed out once and took back can
// meanwhile be the local end of one of the test's thousands of connections, and a rejoining node then failed
// with "Address already in use" on its IST port and fell back to a state transfer that never came.
const taken = new Set<number>();
async function listenablePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

async function isReady(port: number, password: string | null): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: password ?? undefined, connectTimeout: 1000 });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>("SHOW STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state_comment')");
      const status = Object.fromEntries(rows.map((row) => [row.Variable_name as string, row.Value as string]));
      return status.wsrep_ready === 'ON' && status.wsrep_local_state_comment === 'Synced';
    } finally {
      await connection.end();
    }
  } catch {
    return false;
  }
}

async function waitForSize(node: GaleraNode, size: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const connection = await mysql.createConnection({ uri: node.serverUrl });
    try {
      const [[row]] = await connection.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'wsrep_cluster_size'");
      if (Number(row?.Value) === size) return;
    } finally {
      await connection.end();
    }
    if (Date.now() > deadline) throw new Error(`The cluster did not reach ${size} nodes within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
