// The flake detector: runs one test file (or a few) many times and says how many runs failed.
//
//   npm run test:repeat -- e2e/keyboard.spec.ts --times 10
//   npm run test:repeat -- server/test/admission.test.ts --times 5 --busy
//
// Playwright specs run with --repeat-each in one Playwright run (each copy is counted); vitest files run
// once per repetition. --busy keeps one core spinning meanwhile, as a loaded CI machine would.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USAGE = 'usage: npm run test:repeat -- <file.spec.ts | file.test.ts ...> [--times N] [--grep TEXT] [--busy]';

function parse(argv: string[]) {
  const files: string[] = [];
  let times = 5;
  let grep: string | undefined;
  let busy = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--times') times = Number(argv[++i]);
    else if (arg === '--grep') grep = argv[++i];
    else if (arg === '--busy') busy = true;
    else if (arg === '--help' || arg === '-h') return undefined;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n${USAGE}`);
    else files.push(arg);
  }
  if (!Number.isInteger(times) || times < 1) throw new Error(`--times needs a whole number of at least 1\n${USAGE}`);
  if (files.length === 0) throw new Error(USAGE);
  const specs = files.filter((file) => file.endsWith('.spec.ts'));
  if (specs.length > 0 && specs.length < files.length) throw new Error('give either Playwright specs (.spec.ts) or vitest files (.test.ts), not both in one run');
  return { files, times, grep, busy, playwright: specs.length > 0 };
}

function run(command: string, args: string[]): number {
  return spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, CI: process.env.CI ?? 'true' } }).status ?? 1;
}

function main(): number {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const spinner = options.busy ? spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }) : undefined;
  try {
    if (options.playwright) {
      const grep = options.grep ? ['--grep', options.grep] : [];
      const status = run('npx', ['playwright', 'test', ...options.files, ...grep, '--repeat-each', String(options.times), '--retries', '0', '--reporter', 'list']);
      console.log(`\n${options.files.join(' ')} × ${options.times}${options.busy ? ' with one core busy' : ''}: ${status === 0 ? 'every run passed' : 'FAILURES (see the list above)'}`);
      return status;
    }
    let failed = 0;
    for (let round = 1; round <= options.times; round++) {
      console.log(`\n— run ${round} of ${options.times}`);
      const grep = options.grep ? ['-t', options.grep] : [];
      if (run('npx', ['vitest', 'run', ...options.files, ...grep]) !== 0) failed++;
    }
    console.log(`\n${options.files.join(' ')} × ${options.times}${options.busy ? ' with one core busy' : ''}: ${failed} of ${options.times} runs failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    spinner?.kill();
  }
}

process.exitCode = main();
