// Runs qemu once and watches its console: boot progress (the BOOTED line from /init within a
// time limit), the output after it, a global time limit, and interruption. Never leaves qemu
// running: every way out of bootOnce kills it first, and the kernel kills it if this process
// dies first (setpriv --pdeathsig KILL).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BOOTED } from './init.mjs';

const SETPRIV = '/usr/bin/setpriv';
// How long qemu gets to exit after SIGTERM before SIGKILL.
const KILL_GRACE_MS = 3000;
// How much of the console the outcome keeps, for error messages.
const TAIL_CHARS = 16 * 1024;

/**
 * How one run of qemu ended.
 * @typedef {{ kind: 'exited', booted: boolean, code: number | null, signal: string | null,
 *     bootMs: number | undefined, totalMs: number, early: string, tail: string }
 *   | { kind: 'no-progress', afterMs: number, early: string }
 *   | { kind: 'timeout', booted: boolean, afterMs: number, early: string, tail: string }
 *   | { kind: 'interrupted' }} BootOutcome
 */

/**
 * `bootMarker`: the console line that means the guest has booted (default: BOOTED, which the test VM's
 * /init prints; the systemd test VM prints its own once the learner is logged in).
 * @typedef {{ qemu: string, args: string[], interactive: boolean, bootTimeoutMs: number,
 *   totalTimeoutMs: number | undefined, signal: AbortSignal, bootMarker?: string, env?: NodeJS.ProcessEnv,
 *   onBooted: (ms: number) => void, onOutput: (text: string) => void }} BootOptions
 */

/**
 * Start qemu and resolve when it has exited (or been killed), with how that came about.
 * Output after the BOOTED line goes to `onOutput`: raw chunks when interactive, whole lines with
 * CR LF turned into LF otherwise. Output before it (the kernel's) is kept in `early`.
 * @param {BootOptions} o
 * @returns {Promise<BootOutcome>}
 */
export function bootOnce(o) {
  const [file, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', o.qemu, ...o.args]] : [o.qemu, o.args];
  const started = Date.now();
  const child = spawn(file, args, {
    // Interactive: qemu reads the terminal (and puts it in raw mode). Otherwise qemu gets no
    // input and a process group of its own, so that a Ctrl-C reaches only us and we stop it.
    stdio: [o.interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'],
    detached: !o.interactive,
    env: o.env ?? process.env,
  });
  const marker = o.bootMarker ?? BOOTED;

  let early = '';
  let tail = '';
  let partial = '';
  let booted = false;
  /** @type {number | undefined} */
  let bootMs;
  /** @type {BootOutcome['kind'] | undefined} */
  let stopReason;

  /** @param {string} text */
  const keepTail = (text) => {
    tail = (tail + text).slice(-TAIL_CHARS);
  };
  /** @param {string} text */
  const forward = (text) => {
    keepTail(text);
    if (o.interactive) return o.onOutput(text);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) o.onOutput(`${line.replace(/\r$/, '')}\n`);
  };

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    if (booted) return forward(chunk);
    early += chunk;
    const at = early.indexOf(marker);
    const eol = at < 0 ? -1 : early.indexOf('\n', at);
    if (eol < 0) return;
    booted = true;
    bootMs = Date.now() - started;
    clearTimeout(bootTimer);
    const rest = early.slice(eol + 1);
    early = early.slice(0, at);
    o.onBooted(bootMs);
    if (rest) forward(rest);
  });
  // qemu's own messages (a bad option, KVM refusing): kept with the early console output.
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (booted) keepTail(chunk);
    else early += chunk;
  });

  /** @param {'no-progress' | 'timeout' | 'interrupted'} reason */
  const stop = (reason) => {
    if (stopReason || child.exitCode !== null || child.signalCode !== null) return;
    stopReason = reason;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
  };
  const bootTimer = setTimeout(() => stop('no-progress'), o.bootTimeoutMs);
  const totalTimer = o.totalTimeoutMs ? setTimeout(() => stop('timeout'), o.totalTimeoutMs) : undefined;
  const onAbort = () => stop('interrupted');
  if (o.signal.aborted) onAbort();
  o.signal.addEventListener('abort', onAbort);
  // Last resort if this process exits with qemu still running (an exception in a listener).
  const onExit = () => child.kill('SIGKILL');
  process.on('exit', onExit);

  return new Promise((resolve) => {
    let finished = false;
    /** @param {number | null} code @param {NodeJS.Signals | null} signal */
    const finish = (code, signal) => {
      if (finished) return;
      finished = true;
      clearTimeout(bootTimer);
      clearTimeout(totalTimer);
      o.signal.removeEventListener('abort', onAbort);
      process.off('exit', onExit);
      if (partial && !o.interactive) o.onOutput(partial.replace(/\r$/, ''));
      const afterMs = Date.now() - started;
      if (stopReason === 'interrupted') return resolve({ kind: 'interrupted' });
      if (stopReason === 'no-progress') return resolve({ kind: 'no-progress', afterMs, early });
      if (stopReason === 'timeout') return resolve({ kind: 'timeout', booted, afterMs, early, tail });
      resolve({ kind: 'exited', booted, code, signal, bootMs, totalMs: afterMs, early, tail });
    };
    child.on('error', (err) => {
      early += `spawn ${file}: ${err.message}\n`;
      finish(null, null);
    });
    child.on('close', finish);
  });
}
