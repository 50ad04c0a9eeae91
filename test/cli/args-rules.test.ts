// What the command line refuses instead of ignoring: extra arguments, output formats given together, `--all` with
// lab ids; and `--version`. Each refusal is a usage error (exit 2) that names what was wrong, with no stack trace,
// and happens before anything is created (the state directory stays empty).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cli, ROOT, useTempState } from '../helpers.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

t.test('--version prints the package version', async (t) => {
  for (const flag of ['--version', '-V']) {
    const r = cli([flag]);
    t.equal(r.status, 0, `${flag}: exit 0`);
    t.equal(r.stdout, `lab ${version}\n`, `${flag}: lab ${version}`);
  }
  const r = cli(['--version', 'extra']);
  t.equal(r.status, 2, 'an argument after --version is refused');
});

const refusals: { args: string[]; en: RegExp; zh: RegExp }[] = [
  { args: ['run', 'pid-namespace', '--tap', '--json'], en: /exclude each other: choose one of --plain, --tap, --json/, zh: /互相排斥/ },
  { args: ['run', 'pid-namespace', '--plain', '--json'], en: /exclude each other/, zh: /只能选一个/ },
  { args: ['verify', 'pid-namespace', '--json', '--tap'], en: /exclude each other/, zh: /互相排斥/ },
  { args: ['verify', '--all', 'pid-namespace'], en: /Name labs or use --all, not both/, zh: /不能同时使用/ },
  { args: ['run', 'pid-namespace', 'uts-namespace'], en: /Too many arguments: "uts-namespace"\. `lab run` takes at most 1/, zh: /参数太多/ },
  { args: ['list', 'extra'], en: /Too many arguments: "extra"\. `lab list` takes none/, zh: /不接受参数/ },
  { args: ['clean', 'now'], en: /`lab clean` takes none/, zh: /不接受参数/ },
  { args: ['shell', 'pid-namespace', 'x'], en: /`lab shell` takes at most 1/, zh: /最多接受 1 个参数/ },
  { args: ['hint', 'pid-namespace', 'create', 'x'], en: /`lab hint` takes at most 2/, zh: /最多接受 2 个参数/ },
  { args: ['solution', 'capstone', 'rootfs', 'x'], en: /`lab solution` takes at most 2/, zh: /最多接受 2 个参数/ },
  { args: ['reset', 'pid-namespace', 'x'], en: /`lab reset` takes at most 1/, zh: /最多接受 1 个参数/ },
];

t.test('extra arguments and exclusive options are refused, not ignored', async (t) => {
  for (const { args, en, zh } of refusals) {
    const state = useTempState();
    for (const [lang, words] of [
      ['en', en],
      ['zh', zh],
    ] as const) {
      const r = cli([...args, '--lang', lang], { LAB_STATE_DIR: state });
      t.equal(r.status, 2, `${args.join(' ')} (${lang}): exit 2`);
      t.match(r.stderr, words, `${args.join(' ')} (${lang}): says what is wrong`);
      t.notMatch(r.stderr, /\n\s+at /, `${args.join(' ')} (${lang}): no stack trace`);
    }
    t.same(readdirSync(state), [], `${args.join(' ')}: nothing created`);
  }
});

t.test('the same commands without the extra word still parse', async (t) => {
  const state = useTempState();
  t.equal(cli(['list', '--json'], { LAB_STATE_DIR: state }).status, 0, 'lab list --json');
  const r = cli(['hint', 'pid-namespace', 'create'], { LAB_STATE_DIR: state });
  t.equal(r.status, 0, 'lab hint <id> <step>');
});
