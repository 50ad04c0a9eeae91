#!/usr/bin/env node
// How long a network namespace with a veth pair takes to set up and to tear down, done the way the
// network-namespace lab does it: a process in a new network namespace (`unshare --net`), a veth pair made
// with its far end inside, an address on each end, both ends up; then the process is killed and the
// kernel destroys the namespace and the pair (timed until the host's end is gone from /sys/class/net).
// Every step is one command, as `docker run` or a CNI plugin would run them.
//
// Prints the median, min and max of N runs (after one warm-up) for setup, teardown and both, next to
// `unshare --net true` (an empty namespace made and destroyed) and `true` (the cost of starting any
// process, which most of the time goes to). The figure quoted in labs/network-namespace/*.md comes from here.
//
// Usage (root): node scripts/bench-netns.mjs [--runs N]
//   --runs N   timed runs after one warm-up (default 20)
// The host end is named lab-bench0 and gets 198.51.100.5/30 (TEST-NET-2), removed after every run.
// Others may test on this machine: run it under the same lock, `flock /tmp/lab-dev.lock node scripts/bench-netns.mjs`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { readArgs } from './args.mjs';

const { values: args } = readArgs('bench-netns', 'Usage: node scripts/bench-netns.mjs [--runs N]', { options: { runs: { type: 'string', default: '20' } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench-netns: --runs needs a whole number >= 1, got \`${args.runs}\``);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('bench-netns: needs root (creating network namespaces and links needs CAP_SYS_ADMIN and CAP_NET_ADMIN)');
  process.exit(2);
}

const LINK = 'lab-bench0';
const HOST_CIDR = '198.51.100.5/30';
const INNER_CIDR = '198.51.100.6/30';
if (existsSync(`/sys/class/net/${LINK}`)) {
  console.error(`bench-netns: ${LINK} already exists (a crashed run?); remove it with \`ip link del ${LINK}\` first`);
  process.exit(1);
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run one command to completion; throw with its stderr when it fails.
 * @param {string[]} argv
 */
function sh(argv) {
  const res = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`\`${argv.join(' ')}\` failed: ${res.stderr.trim() || res.error?.message || `exit ${res.status}`}`);
}

/**
 * Poll until `done()` (every 0.5 ms), for at most `limit` ms.
 * @param {() => boolean} done
 * @param {number} [limit]
 */
async function until(done, limit = 5000) {
  const deadline = now() + limit;
  while (!done()) {
    if (now() > deadline) throw new Error('timed out');
    await sleep(0.5);
  }
}

/**
 * The first child of a process, once it has executed its own program (it is no longer a copy of unshare).
 * @param {number | undefined} pid
 */
function execedChild(pid) {
  try {
    const child = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    return child > 0 && readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'sleep' ? child : undefined;
  } catch {
    return undefined;
  }
}

/** @type {import('node:child_process').ChildProcess | undefined} the process that keeps the namespace of the run in progress */
let holder;
function cleanUp() {
  if (holder) holder.kill('SIGKILL');
  spawnSync('ip', ['link', 'del', LINK], { stdio: 'ignore' });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** One run: returns the setup and teardown times in ms. */
async function once() {
  const start = now();
  holder = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '--net', '--fork', '--kill-child', 'sleep', 'infinity'], { stdio: 'ignore' });
  let pid;
  await until(() => (pid = execedChild(/** @type {import('node:child_process').ChildProcess} */ (holder).pid)) !== undefined);
  sh(['ip', 'link', 'add', LINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
  sh(['ip', 'addr', 'add', HOST_CIDR, 'dev', LINK]);
  sh(['ip', 'link', 'set', LINK, 'up']);
  sh(['nsenter', '--target', String(pid), '--net', 'ip', 'addr', 'add', INNER_CIDR, 'dev', 'eth0']);
  sh(['nsenter', '--target', String(pid), '--net', 'ip', 'link', 'set', 'eth0', 'up']);
  const ready = now();
  holder.kill('SIGKILL');
  holder = undefined;
  await until(() => !existsSync(`/sys/class/net/${LINK}`));
  return { setup: ready - start, teardown: now() - ready };
}

/**
 * The wall time of one short command.
 * @param {string[]} argv
 */
function timeCommand(argv) {
  const start = now();
  sh(argv);
  return now() - start;
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
/** @param {string} label @param {number[]} xs */
const row = (label, xs) =>
  `  ${label.padEnd(50)} ${median(xs).toFixed(1).padStart(7)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

await once();
const setup = [];
const teardown = [];
const total = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  setup.push(r.setup);
  teardown.push(r.teardown);
  total.push(r.setup + r.teardown);
}
const empty = Array.from({ length: runs }, () => timeCommand(['unshare', '--net', 'true']));
const bare = Array.from({ length: runs }, () => timeCommand(['true']));

const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
console.log(`bench-netns: ${runs} runs after one warm-up, median wall time, ${os.cpus().length} CPUs (${cpu}), Linux ${os.release()}`);
console.log(row('setup: netns + veth + 2 addresses + 2 links up', setup));
console.log(row('teardown: kill, until the host end is gone', teardown));
console.log(row('both', total));
console.log(row('unshare --net true (empty netns, made+destroyed)', empty));
console.log(row('true (starting one process)', bare));
