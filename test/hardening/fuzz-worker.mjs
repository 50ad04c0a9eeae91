// The fuzz tests' worker (test/hardening/fuzz-pool.ts starts it): runs `lab` in this process, one case at a time,
// so that a thousand cases need no thousand Node starts. A case comes over IPC as { id, argv, env, cwd }; the
// worker sets the environment and the working directory, runs main() of the compiled CLI (dist/src/cli/main.js)
// with stdout and stderr captured, and answers { id, code, stdout, stderr, uncaught, handles }: the exit status
// main() set, what it wrote, any exception that escaped it (uncaught or unhandled), and the kinds of handle it
// left open (a server, a child process) that were not open before.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = process.argv[2];
const { main } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'main.js')).href);

// Each case adds its error listeners to the streams (src/cli/entry.ts): no warning after ten.
process.stdout.setMaxListeners(0);
process.stderr.setMaxListeners(0);

const baseEnv = { ...process.env };
const CAP = 64 * 1024;
/** @type {{ stdout: string, stderr: string, uncaught: string[] } | undefined} */
let current;

/** Capture a stream's writes into the current case (capped), calling back as a stream would. */
function capture(stream, key) {
  stream.write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (current && current[key].length < CAP) current[key] += text.slice(0, CAP - current[key].length);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  };
}
capture(process.stdout, 'stdout');
capture(process.stderr, 'stderr');

const escaped = (error) => (current ? current.uncaught.push(String(error?.stack ?? error)) : undefined);
process.on('uncaughtException', escaped);
process.on('unhandledRejection', escaped);

/** Handle kinds that mean something was left running. */
const WATCHED = new Set(['ProcessWrap', 'TCPServerWrap', 'TCPSocketWrap', 'UDPWrap', 'FSEventWrap', 'PipeServerWrap']);
const watched = () =>
  process
    .getActiveResourcesInfo()
    .filter((kind) => WATCHED.has(kind))
    .sort();

process.on('message', async (c) => {
  for (const key of Object.keys(process.env)) if (!(key in baseEnv)) delete process.env[key];
  Object.assign(process.env, baseEnv, c.env);
  for (const [key, value] of Object.entries(c.env)) if (value === null) delete process.env[key];
  process.chdir(c.cwd);
  process.exitCode = undefined;
  current = { stdout: '', stderr: '', uncaught: [] };
  const before = watched();
  try {
    await main(c.argv);
  } catch (error) {
    escaped(error);
  }
  await new Promise((resolve) => setImmediate(resolve));
  let after = watched();
  for (let i = 0; i < 10 && after.length > before.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = watched();
  }
  const left = [...after];
  for (const kind of before) {
    const at = left.indexOf(kind);
    if (at >= 0) left.splice(at, 1);
  }
  const { stdout, stderr, uncaught } = current;
  current = undefined;
  process.send({ id: c.id, code: process.exitCode ?? 0, stdout, stderr, uncaught, handles: left });
  process.exitCode = undefined;
});
process.send({ ready: true });
