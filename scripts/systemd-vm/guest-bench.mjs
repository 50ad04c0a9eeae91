// The systemd test VM's bench (scripts/bench-systemd.mjs): run inside the VM by guest-test.sh in bench mode, as
// root (`sudo node ...` from the learner's login shell, so in their logind session scope), from ~/lab once
// `sudo scripts/provision.sh` has built it. Times each command `runs` times after one warm-up and writes every
// wall time, in milliseconds, to `out` as JSON; one line per command goes to the console for the host to show.
//
// Usage: node scripts/systemd-vm/guest-bench.mjs <out.json> <runs> <timeout-seconds> <lab-id>...
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';

const [out, runsArg, timeoutArg, ...labs] = process.argv.slice(2);
const runs = Number(runsArg);
const timeoutMs = Number(timeoutArg) * 1000;
if (!out || !(runs >= 1) || !(timeoutMs > 0)) {
  console.error('usage: node scripts/systemd-vm/guest-bench.mjs <out.json> <runs> <timeout-seconds> <lab-id>...');
  process.exit(2);
}

/** @param {string} line */
const say = (line) => console.log(`lab-systemd-vm: guest: bench: ${line}`);
const node = process.execPath;
/** @param {string[]} args */
const lab = (...args) => [node, 'bin/lab.js', ...args];
// What every cgroup lab asks systemd for once per run (src/kernel/systemd.ts), with a program that ends at once.
const SCOPE = ['systemd-run', '--scope', '--property=Delegate=yes', '--collect', '--quiet', '--'];

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** @type {{ loadavg: { before: string, after?: string }, commands: Record<string, { times?: number[], failed?: string }> }} */
const results = { loadavg: { before: loadavg() }, commands: {} };
/** @param {number} ms */
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** @param {string | undefined} text */
const tail = (text) => (text ?? '').trim().split('\n').slice(-3).join(' | ');

/**
 * Time `measure` (which returns its wall time in ms, or throws why it failed) runs times after a warm-up.
 * @param {string} label
 * @param {(i: number) => number | Promise<number>} measure  given the run's number, 0 for the warm-up
 */
async function bench(label, measure) {
  const times = [];
  try {
    for (let i = 0; i <= runs; i++) {
      const ms = await measure(i);
      if (i > 0) times.push(ms);
    }
    results.commands[label] = { times };
    const sorted = [...times].sort((a, b) => a - b);
    say(`${label}: ${sorted.map((t) => t.toFixed(0)).join(', ')} ms`);
  } catch (err) {
    results.commands[label] = { failed: String(err instanceof Error ? err.message : err) };
    say(`${label}: FAILED: ${results.commands[label].failed}`);
  }
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * The wall time of one run of argv, spawn to exit; throws when it fails.
 * @param {string[]} argv
 */
function timed(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGTERM',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`\`${argv.join(' ')}\`: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}: ${tail(r.stderr || r.stdout)}`);
  return ms;
}

/** @param {string} label @param {string[]} argv */
const command = (label, argv) => bench(label, () => timed(argv));

/**
 * `systemctl stop` of a delegated scope as a lab's cleanup does it: a scope kept alive by `sleep infinity` (as
 * the labs keep theirs), started and found running first, then only the stop is timed.
 * @param {number} i  the run's number, in the scope's name
 */
async function stopScope(i) {
  const unit = `bench-scope-${process.pid}-${i}.scope`;
  const child = spawn(SCOPE[0], [...SCOPE.slice(1, -1), `--unit=${unit}`, '--slice=system.slice', '--', 'sleep', 'infinity'], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  try {
    // systemd-run executes sleep once systemd has made the scope and put its PID in it.
    const deadline = Date.now() + 30_000;
    const comm = () => {
      try {
        return readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    while (comm() !== 'sleep') {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the scope ${unit} did not start (comm ${comm()})`);
      sleep(10);
    }
    return timed(['systemctl', 'stop', unit]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}

say(`${runs} timed run(s) of each command after a warm-up; load average ${results.loadavg.before}`);
await command('true', ['true']);
await command('systemd-run --scope --property=Delegate=yes --collect --quiet -- true', [...SCOPE, 'true']);
await bench('systemctl stop <delegated scope>', stopScope);
await command('node -e 0', [node, '-e', '0']);
await command('lab list', lab('list'));
await command('lab doctor', lab('doctor'));
// In lab order, as `lab list` shows them (the catalogue the build wrote).
/** @type {string[]} */
let order = [];
try {
  order = /** @type {import('../../src/lab/catalogue.js').CatalogueEntry[]} */ (JSON.parse(readFileSync('dist/catalogue.json', 'utf8'))).map((l) => l.id);
} catch {
  // no catalogue: the order given
}
/** @param {string} id */
const rank = (id) => (order.includes(id) ? order.indexOf(id) : order.length);
for (const id of [...labs].sort((a, b) => rank(a) - rank(b))) await command(`lab verify ${id}`, lab('verify', id));
results.loadavg.after = loadavg();
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
