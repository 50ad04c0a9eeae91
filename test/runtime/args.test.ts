// Docker-like arguments of `lab container`: flags before IMAGE, the command after it untouched, combined short
// switches, `--flag=value`, repeated flags, and a bad flag an error of lab's own (125).
import t from 'tap';
import { LabError } from '../../src/common/errors.js';
import { parseContainerArgs, type FlagSpec } from '../../src/cli/container-args.js';

const SPECS: FlagSpec[] = [
  { key: 'detach', names: ['-d', '--detach'], kind: 'switch' },
  { key: 'interactive', names: ['-i'], kind: 'switch' },
  { key: 'tty', names: ['-t'], kind: 'switch' },
  { key: 'name', names: ['--name'], kind: 'value' },
  { key: 'env', names: ['-e', '--env'], kind: 'list' },
];

t.test('flags, then the image and the command untouched', async (t) => {
  const parsed = parseContainerArgs('run', ['-dit', '--name=web', '-e', 'A=1', '--env', 'B=2', 'busybox', 'ls', '-l', '--name', 'x'], SPECS, true);
  t.same(parsed.flags, { detach: true, interactive: true, tty: true, name: 'web', env: ['A=1', 'B=2'] });
  t.same(parsed.positionals, ['busybox', 'ls', '-l', '--name', 'x']);
});

t.test('without stopping at a word, flags may follow it', async (t) => {
  t.same(parseContainerArgs('rm', ['a', '-d', 'b'], SPECS, false), { flags: { detach: true }, positionals: ['a', 'b'] });
});

t.test('an unknown flag or a missing value: exit 125, in both languages', async (t) => {
  for (const args of [['--bogus', 'busybox'], ['--name'], ['-dx']]) {
    try {
      parseContainerArgs('run', args, SPECS, true);
      t.fail(`${args.join(' ')} was accepted`);
    } catch (error) {
      t.ok(error instanceof LabError && error.exitCode === 125, `${args.join(' ')}: 125`);
      t.match((error as LabError).meaning.zh, /[\u4e00-\u9fff]/);
    }
  }
});
