// The two languages of every lab tell the learner the same things: the same steps in the same order, the same number
// of hints, the same code blocks and the same commands quoted inline. First shown able to fail on made-up prose, then
// run on every lab.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeBlocks, inlineCode, proseDifferences, sameCommand } from '../../src/lab/prose-parity.js';

const labsDir = join(import.meta.dirname, '..', '..', 'labs');

const EN = `# A lab

One line.

## first: The first step

Run this:

    unshare --uts --fork sleep infinity
    hostname

Then \`readlink /proc/<PID>/ns/uts\` and \`ip netns add NAME\`.

### Hints
- Use \`nsenter --target <PID> --uts\`.
- Compare inodes.

## second: The second step

Nothing to type.
`;

const ZH = `# 一个实验

一行。

## first: 第一步

运行：

    unshare --uts --fork sleep infinity
    hostname

然后 \`readlink /proc/<进程的 PID>/ns/uts\` 和
\`ip netns add 名字\`。

### 提示
- 用 \`nsenter --target <PID> --uts\`。
- 比较 inode。

## second: 第二步

不用输入什么。
`;

t.test('code blocks and inline code are read the way the prose shows them', async (t) => {
  t.same(codeBlocks('text\n\n    a\n    b\n\nmore\n\n```\nc\n```\n'), ['a\nb', 'c']);
  t.same(inlineCode('run `a b`, then `lab` and `c\nd`'), ['a b', 'c d'], "a span may wrap; `lab` alone is the tool's name");
  t.ok(sameCommand('readlink /proc/<init PID>/ns/pid', 'readlink /proc/<init 的 PID>/ns/pid'), 'placeholders in <> are words');
  t.ok(sameCommand('ip netns exec NAME COMMAND', 'ip netns exec 名字 命令'), 'placeholders in capitals may be Chinese words');
  t.notOk(sameCommand('write fails with EBUSY', 'write fails with EINVAL'), 'an errno is a name, not a placeholder');
  t.notOk(sameCommand('hostname box-a', 'hostname box-b'));
});

t.test('prose that agrees passes', async (t) => {
  t.same(proseDifferences(EN, ZH), []);
});

t.test('each kind of disagreement is found and named', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['a step missing', ZH.replace(/## second[\s\S]*$/, ''), /steps differ: en.md has first, second; zh.md has first/],
    ['steps in another order', ZH.replace('## first: 第一步', '## zero: 零\n\n零。\n\n## first: 第一步'), /steps differ/],
    ['a hint missing', ZH.replace('- 比较 inode。\n', ''), /step "first": 2 hints in en.md, 1 in zh.md/],
    ['a code block missing', ZH.replace('    unshare --uts --fork sleep infinity\n    hostname\n', ''), /step "first": 1 code blocks in en.md, 0 in zh.md/],
    ['a command changed in a code block', ZH.replace('    hostname\n', '    hostname box\n'), /code block 1 differs/],
    ['a quoted command changed', ZH.replace('`ip netns add 名字`', '`ip netns del 名字`'), /inline code only in en.md: `ip netns add NAME`/],
    [
      'a command in a hint missing',
      ZH.replace('用 `nsenter --target <PID> --uts`。', '用 nsenter。'),
      /inline code only in en.md: `nsenter --target <PID> --uts`/,
    ],
  ];
  for (const [what, zh, expected] of cases) t.match(proseDifferences(EN, zh).join('\n'), expected, what);
});

const labIds = readdirSync(labsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

t.test('every lab: en.md and zh.md agree in structure', async (t) => {
  t.ok(labIds.length >= 13, `${labIds.length} labs found`);
  for (const id of labIds) {
    const en = readFileSync(join(labsDir, id, 'en.md'), 'utf8');
    const zh = readFileSync(join(labsDir, id, 'zh.md'), 'utf8');
    t.same(proseDifferences(en, zh), [], id);
  }
});
