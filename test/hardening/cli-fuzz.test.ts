// Fuzz of the command line: at least 1000 argvs (LAB_FUZZ_CASES=N for more), seeded (the seed is printed;
// LAB_FUZZ_SEED=S replays a run), made from every command's valid forms in src/cli/commands.ts and then mutated
// (tokens dropped, duplicated, swapped, replaced, mangled, `--flag=value` joined and split, `--lang` anywhere),
// plus random argvs: flags with and without values, unknown flags, real and fake lab ids (`../`, absolute paths,
// 100 KB ids), empty strings, control characters and other scripts, under varied LANG / LC_ALL. Every case must end
// with an exit status it may have (0 only where the form can be valid: --help, list...; 2 where it cannot: an
// unknown command or option; 125 too under `lab container`, Docker's usage status), a message, no stack trace, no
// exception escaping main(), no server or child process left open, within 20 s; no run journal is ever left in
// the state directory, and the host snapshot is the same before, every 100 cases, and after.
//
// Speed: the cases run in-process in two workers (fuzz-worker.mjs: main() with stdout and stderr captured), about
// 1000 in a minute; a second part runs the real `node bin/lab.js` for bytes that are not UTF-8 (only a real argv
// carries them: through sh and printf) and for a sample of the generated cases, to show both paths agree.
//
// Excluded, i.e. refused on purpose by an unknown option right after the command path (fuzz-cli-cases.ts guard()),
// so that their argument handling is fuzzed but never their work: `run`/`verify`/`shell` naming a real lab and
// `verify --all` (they run a lab: real namespaces, minutes), `dev check` without --static (runs every lab), `class
// serve` (listens until Ctrl-C) and `class join` (network), `container` but ps/logs/stop/rm/inspect/images/network
// ls|inspect (starts containers, builds images, makes bridges), `new` (writes into labs/), `report --output` (writes
// where the fuzzed path says), `clean` and `reset` (they stop every lab run on this shared host, whatever the state
// directory: test/host/cleanup.test.ts covers them).
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { snapshotDifferences } from '../../src/host/snapshot.js';
import { tempDir, useTempState } from '../helpers.js';
import { allowedCodes, FAKE_IDS, guard, LAB_IDS, mutate, randomArgv, REFUSED, validForm } from './fuzz-cli-cases.js';
import { FuzzPool, fuzzSnapshot, fuzzCases, fuzzSeed, journals, problems, replay, Rng, spawnBytes, type FuzzCase, type FuzzResult } from './fuzz-pool.js';

const seed = fuzzSeed();
const count = fuzzCases(1000);
t.comment(`cli-fuzz: LAB_FUZZ_SEED=${seed} LAB_FUZZ_CASES=${count} (set them to replay this run)`);
t.setTimeout(240_000);

const state = useTempState();
// Deep, so that a fuzzed `../..` relative path stays inside this test's own directory.
const cwd = join(tempDir('lab-fuzz-cwd-'), 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
mkdirSync(cwd, { recursive: true });

const LANGS: Record<string, string | null>[] = [
  {},
  { LANG: 'C', LC_ALL: null },
  { LANG: 'POSIX', LC_ALL: null },
  { LANG: 'zh_CN.UTF-8', LC_ALL: null },
  { LANG: 'en_US.UTF-8', LC_ALL: 'zh_CN.GB18030' },
  { LANG: 'zh_TW.Big5', LC_ALL: null },
  { LANG: '', LC_ALL: '' },
  { LANG: null, LC_ALL: null, LC_MESSAGES: 'zh_CN' },
  { LANG: 'xx_YY.garbage@euro', LC_ALL: null },
  { LANG: 'zh', LANGUAGE: 'zh_CN:en' },
];

/** The cases, all decided up front from the seed. */
function makeCases(rng: Rng, n: number): { c: FuzzCase; refused: boolean }[] {
  const cases: { c: FuzzCase; refused: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const roll = rng.next();
    const raw = roll < 0.1 ? validForm(rng) : roll < 0.85 ? mutate(rng, validForm(rng)) : randomArgv(rng);
    const { argv, refused } = guard(raw);
    const env = { LAB_STATE_DIR: state, ...(rng.chance(0.3) ? rng.pick(LANGS) : {}) };
    cases.push({ c: { argv, env, cwd, allowed: allowedCodes(argv) }, refused });
  }
  return cases;
}

t.test('the guard and the verdict can fail', async (t) => {
  // The guard refuses what would do real work, and lets the rest through unchanged.
  for (const argv of [
    ['run', 'pid-namespace', '--yes'],
    ['--lang', 'zh', 'verify', '--all'],
    ['verify', '--json', 'uts-namespace'],
    ['dev', 'check'],
    ['dev', 'check', '--', '--static'],
    ['class', 'serve', '--port', '0'],
    ['container', 'run', 'busybox'],
    ['container', 'network', 'create', 'x'],
    ['clean'],
    ['reset', 'pid-namespace'],
    ['new', 'x'],
    ['report', '-o', 'x'],
    ['report', '--output=x'],
  ]) {
    const g = guard(argv);
    t.ok(g.refused, `refused: ${JSON.stringify(argv)}`);
    t.same(allowedCodes(g.argv).includes(2) || g.argv[0] === 'container', true, `${JSON.stringify(g.argv)} may be a usage error`);
  }
  for (const argv of [['list'], ['run', 'no-such-lab'], ['dev', 'check', '--static'], ['container', 'ps'], ['hint', 'pid-namespace'], ['--help']]) {
    t.same(guard(argv), { argv, refused: false }, `let through: ${JSON.stringify(argv)}`);
  }
  t.same(allowedCodes(['list', REFUSED]), [2], 'an unknown option can only be a usage error');
  t.same(allowedCodes(['no-such-command']), [2], 'an unknown command can only be a usage error');
  t.same(allowedCodes(['list', '--lang', 'fr']), [2], 'an unknown language can only be a usage error');
  // The verdict sees each kind of failure.
  const c: FuzzCase = { argv: ['list'], env: {}, cwd };
  const ok: FuzzResult = { code: 2, stdout: '', stderr: '✗ lab list: usage (failed)', uncaught: [], handles: [], timedOut: false, ms: 1 };
  t.same(problems(c, ok), [], 'a usage error with a message passes');
  const bad: [string, Partial<FuzzResult>][] = [
    ['a stack trace', { stderr: 'TypeError: x is undefined\n    at run (file:///work/main/dist/src/cli/list.js:3:9)\n' }],
    ['node:internal', { stderr: 'Error\n    at node:internal/modules/esm/loader:5:1' }],
    ['an internal error', { code: 70, stderr: 'internal error in lab (a bug in lab; please report it):\nboom' }],
    ['exit 70', { code: 70 }],
    ['no message', { stderr: '' }],
    ['an escaped exception', { uncaught: ['Error: late'] }],
    ['a server left open', { handles: ['TCPServerWrap'] }],
    ['a hang', { timedOut: true }],
  ];
  for (const [what, change] of bad) t.not(problems(c, { ...ok, ...change }).length, 0, `the verdict fails ${what}`);
  t.same(problems({ ...c, argv: ['TypeError'] }, { ...ok, stderr: 'Unknown command "TypeError"' }), [], 'an error name quoted from the input passes');
});

t.test(`${count} generated argvs, in-process`, async (t) => {
  const cases = makeCases(new Rng(seed), count);
  const before = fuzzSnapshot(state);
  const pool = new FuzzPool(2);
  const failures: string[] = [];
  const codes = new Map<string, number>();
  let done = 0;
  let snapshots = 0;
  const started = Date.now();
  try {
    await Promise.all(
      cases.map(async ({ c }) => {
        const r = await pool.run(c);
        const found = problems(c, r);
        const left = journals(state);
        if (left.length > 0) found.push(`run journals left: ${left.join(', ')}`);
        if (found.length > 0)
          failures.push(`${replay(c)}\n    ${found.join('; ')}\n    exit ${r.code}; output: ${JSON.stringify(`${r.stdout}${r.stderr}`.slice(0, 400))}`);
        codes.set(String(r.code), (codes.get(String(r.code)) ?? 0) + 1);
        if (++done % 100 === 0) {
          snapshots++;
          const diff = snapshotDifferences(before, fuzzSnapshot(state));
          if (diff.length > 0) failures.push(`host changed by case ${done}: ${diff.map((d) => d.en).join('; ')}`);
        }
      }),
    );
  } finally {
    pool.close();
  }
  const refused = cases.filter((c) => c.refused).length;
  t.comment(
    `${count} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; refused on purpose: ${refused}; exit statuses: ${[...codes]
      .sort()
      .map(([code, n]) => `${code}×${n}`)
      .join(' ')}; host snapshots compared: ${snapshots + 1}`,
  );
  t.same(failures.slice(0, 20), [], `every case ended cleanly (${failures.length} did not; seed ${seed})`);
  t.ok((codes.get('0') ?? 0) > 0 && (codes.get('2') ?? 0) > 0, 'the cases reached both valid forms and usage errors');
  t.same(snapshotDifferences(before, fuzzSnapshot(state)), [], 'the host is as before');
  t.same(journals(state), [], 'no run journal in the state directory');
  t.notOk(
    readdirSync(state).some((name) => name === 'containers' || name === 'images'),
    'no container or image state was made',
  );
});

t.test('every form that takes a fixed number of words refuses one more', async (t) => {
  const newDir = tempDir('lab-fuzz-new-');
  const forms = [
    ['list'],
    ['progress'],
    ['doctor'],
    ['clean'],
    ['reset', 'pid-namespace'],
    ['run', 'pid-namespace'],
    ['shell', 'pid-namespace'],
    ['hint', 'pid-namespace', 'create'],
    ['solution', 'pid-namespace', 'create'],
    ['inspect', '1'],
    ['new', 'lab-fuzz-extra', '--dir', newDir],
    ['class', 'status'],
    ['class', 'leave'],
    ['container', 'ps'],
    ['container', 'logs', 'lab-fuzz-c'],
    ['container', 'export', 'lab-fuzz-c'],
    ['container', 'commit', 'lab-fuzz-c', 'img:tag'],
    ['container', 'network', 'ls'],
    ['container', 'images', 'busybox'],
    ['--version'],
  ];
  const pool = new FuzzPool(2);
  const failures: string[] = [];
  try {
    await Promise.all(
      forms.map(async (form) => {
        const c: FuzzCase = { argv: [...form, 'zz-extra-word'], env: { LAB_STATE_DIR: state }, cwd, allowed: form[0] === 'container' ? [125] : [2] };
        const r = await pool.run(c);
        const found = problems(c, r);
        if (found.length > 0) failures.push(`${replay(c)}: ${found.join('; ')}: ${JSON.stringify((r.stdout + r.stderr).slice(0, 200))}`);
      }),
    );
  } finally {
    pool.close();
  }
  t.same(failures, [], `${forms.length} forms refuse an extra word with a usage error`);
  t.same(readdirSync(newDir), [], 'lab new wrote nothing');
});

t.test('real argv: bytes that are not UTF-8, and a sample of the generated cases', async (t) => {
  const rng = new Rng(seed ^ 0x5eed);
  const b = (s: string): Buffer => Buffer.from(s, 'latin1');
  const raw: Buffer[][] = [
    [b('\xff\xfe')],
    [b('list'), b('\xff')],
    [b('run'), b('pid-\xffnamespace')],
    [b('run'), b('\xc3')],
    [b('verify'), b('\x80\x81\x82')],
    [b('hint'), b('pid-namespace'), b('\xe4\xb8')],
    [b('solution'), b('\xed\xa0\x80')],
    [b('--lang'), b('\xff')],
    [b('--lang=zh\xff'), b('list')],
    [b('report'), b('\xfe')],
    [b('inspect'), b('\xff')],
    [b('container'), b('ps'), b('\xff')],
    [b('container'), b('\xff')],
    [b('dev'), b('check'), b('--static'), b('\xc0\xaf')],
    [b('\x1b[31m'), b('\xff')],
    [Buffer.from('实验', 'utf8'), b('\xff')],
    [b('progress'), Buffer.from('\ud800', 'utf8')],
    [b('shell'), b('\xf4\x90\x80\x80')],
    [b('doctor'), b('-\xff')],
    [b('list'), b(`--${'\xff'.repeat(1000)}`)],
  ];
  const envs: Record<string, string | null>[] = [{ LANG: 'C', LC_ALL: null }, { LANG: 'zh_CN.GB18030', LC_ALL: null }, { LC_ALL: 'en_US.ISO-8859-1' }];
  const failures: string[] = [];
  const sampleFailures: string[] = [];
  for (const args of raw) {
    const env = { LAB_STATE_DIR: state, ...rng.pick(envs) };
    const r = await spawnBytes(args, env, cwd);
    const c: FuzzCase = { argv: args.map((a) => a.toString('latin1')), env, cwd, allowed: args[0]!.toString() === 'container' ? [1, 2, 125] : [1, 2] };
    const found = problems(c, r);
    if (found.length > 0)
      failures.push(`bytes ${JSON.stringify(args.map((a) => a.toString('hex')))}: ${found.join('; ')}: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  }
  t.same(failures, [], `${raw.length} argvs with bytes that are not UTF-8 ended cleanly`);

  // The same verdict through a real process, and the same exit status as in-process.
  const sample = makeCases(new Rng(seed), Math.min(count, 200)).filter((_, i) => i % 10 === 0);
  const pool = new FuzzPool(1);
  const disagree: string[] = [];
  try {
    for (const { c } of sample) {
      const real = await spawnBytes(c.argv, c.env, cwd);
      const found = problems(c, real);
      if (found.length > 0) sampleFailures.push(`${replay(c)}: ${found.join('; ')}`);
      const inProcess = await pool.run(c);
      if (inProcess.code !== real.code) disagree.push(`${replay(c)}: in-process ${inProcess.code}, real ${real.code}`);
    }
  } finally {
    pool.close();
  }
  t.same(sampleFailures, [], `${sample.length} generated cases ended cleanly as real processes`);
  t.same(disagree, [], 'in-process and real runs end with the same exit status');
  t.same(journals(state), [], 'no run journal in the state directory');
  t.ok(FAKE_IDS.length > 40 && LAB_IDS.length > 0, 'the pools are not empty');
});
