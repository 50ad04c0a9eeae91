// Fuzz of the lab-spec loader (src/lab/load.ts, validate.ts, prose.ts and the prose parity of `lab dev check`):
// at least 1000 cases (LAB_FUZZ_CASES=N for more; LAB_FUZZ_SEED=S replays a run, the seed is printed), each a real
// lab copied into its own LAB_LABS_DIR with one mutation (fuzz-spec-cases.ts): a field of its spec deleted,
// duplicated, of the wrong type, empty, huge or throwing when read; its compiled lab.js cut short, garbled, without
// a default export, throwing at import, empty, binary, missing, a directory; its en.md or zh.md missing, empty, cut
// short, with sections removed, doubled or swapped, invalid UTF-8, binary, huge, a directory, in the other language.
//
// The loader reads the compiled spec (dist/labs/<id>/lab.js, or lab.js beside the prose outside the project), so
// that is what is mutated: a mutation of lab.ts reaches it only through tsc, whose refusals are tsc's.
//
// Each case runs, in-process (fuzz-worker.mjs): `lab list`, `lab dev check --static`, `lab solution <id>` and
// `lab hint <id>`; and when those show the lab is refused by the loader, `lab verify <id>` and `lab run <id> --yes`,
// whose refusal must come before anything is made. A lab the loader accepts (a harmless mutation) is never run:
// running it would be a real lab run, which the lab tests cover. Every command must end with 0, 1 or 2, a message,
// no stack trace, no exception escaping; a lab the loader refuses must make `lab list` and `lab dev check` fail
// too; no run journal is ever left, and the host snapshot is the same before, every 50 cases, and after.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { snapshotDifferences } from '../../src/host/snapshot.js';
import { ROOT, tempDir, useTempState } from '../helpers.js';
import { FuzzPool, fuzzSnapshot, fuzzCases, fuzzSeed, journals, problems, replay, Rng, type FuzzCase } from './fuzz-pool.js';
import { specPaths, writeCase } from './fuzz-spec-cases.js';

const seed = fuzzSeed();
const count = fuzzCases(1000);
t.comment(`spec-fuzz: LAB_FUZZ_SEED=${seed} LAB_FUZZ_CASES=${count} (set them to replay this run)`);
t.setTimeout(240_000);

const state = useTempState();
const root = tempDir('lab-fuzz-specs-');
const cwd = join(root, 'cwd');
mkdirSync(cwd);

/** Labs of every shape: demo and task steps, quizzes, cgroups, the capstone. */
const BASES = ['uts-namespace', 'pid-namespace', 'cgroup-pids', 'overlay-layers', 'capstone'];

/** A refusal by the loader or the id check, as `lab solution` prints it. */
const REFUSED = /: (invalid-lab|usage) \((failed|失败)\)/;

t.test(`${count} mutated labs`, async (t) => {
  const paths = new Map<string, (string | number)[][]>();
  for (const id of BASES) {
    const spec = ((await import(pathToFileURL(join(ROOT, 'dist', 'labs', id, 'lab.js')).href)) as { default: unknown }).default;
    paths.set(id, specPaths(spec));
  }
  const rng = new Rng(seed);
  const before = fuzzSnapshot(state);
  const pool = new FuzzPool(2);
  const failures: string[] = [];
  const tally = { refused: 0, accepted: 0, verifyRefused: 0 };
  let done = 0;
  const started = Date.now();
  const cases = Array.from({ length: count }, (_, i) => {
    const id = rng.pick(BASES);
    const dir = join(root, `case-${i}`);
    const what = writeCase(rng, dir, id, paths.get(id)!);
    return { i, id, dir, what, lang: rng.chance(0.5) ? 'en' : 'zh' };
  });
  try {
    await Promise.all(
      cases.map(async ({ i, id, dir, what, lang }) => {
        const env = { LAB_STATE_DIR: state, LAB_LABS_DIR: dir };
        const c = (argv: string[]): FuzzCase => ({ argv: [...argv, '--lang', lang], env, cwd });
        const fail = (cmd: FuzzCase, found: string[], out: string): void => {
          failures.push(
            `case ${i} (${id}, ${what}): ${replay(cmd)} LAB_LABS_DIR=<copy>\n    ${found.join('; ')}\n    output: ${JSON.stringify(out.slice(0, 400))}`,
          );
        };
        const codes: Record<string, number | null> = {};
        let refusedBySolution = false;
        for (const argv of [['list'], ['dev', 'check', '--static'], ['solution', id], ['hint', id]]) {
          const cmd = c(argv);
          const r = await pool.run(cmd);
          codes[argv[0]!] = r.code;
          const found = problems(cmd, r);
          if (found.length > 0) fail(cmd, found, r.stdout + r.stderr);
          if (argv[0] === 'solution') refusedBySolution = r.code !== 0 && REFUSED.test(r.stderr);
        }
        if (refusedBySolution) {
          tally.refused++;
          if (codes.list === 0) fail(c(['list']), ['lab list passed a lab the loader refuses'], '');
          if (codes.dev === 0) fail(c(['dev', 'check', '--static']), ['lab dev check passed a lab the loader refuses'], '');
          for (const argv of [
            ['verify', id],
            ['run', id, '--yes'],
          ]) {
            const cmd = { ...c(argv), allowed: [1, 2] };
            const r = await pool.run(cmd);
            const found = problems(cmd, r);
            if (found.length > 0) fail(cmd, found, r.stdout + r.stderr);
            else tally.verifyRefused++;
          }
        } else tally.accepted++;
        const left = journals(state);
        if (left.length > 0) failures.push(`case ${i} (${id}, ${what}): run journals left: ${left.join(', ')}`);
        if (++done % 50 === 0) {
          const diff = snapshotDifferences(before, fuzzSnapshot(state));
          if (diff.length > 0) failures.push(`host changed by case ${done}: ${diff.map((d) => d.en).join('; ')}`);
        }
      }),
    );
  } finally {
    pool.close();
  }
  t.comment(
    `${count} labs in ${((Date.now() - started) / 1000).toFixed(1)} s: ${tally.refused} refused by the loader ` +
      `(verify and run refused them ${tally.verifyRefused} times), ${tally.accepted} accepted (harmless or caught only by dev check)`,
  );
  t.same(failures.slice(0, 20), [], `every command on every mutated lab ended cleanly (${failures.length} did not; seed ${seed})`);
  t.ok(tally.refused > 0 && tally.accepted > 0, 'the mutations reached both refused and accepted labs');
  t.same(snapshotDifferences(before, fuzzSnapshot(state)), [], 'the host is as before');
  t.same(journals(state), [], 'no run journal in the state directory');
});
