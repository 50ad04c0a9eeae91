// The Chinese follows the glossary: one word for one idea, the English in parentheses the first time. First shown able
// to fail on made-up prose, then run on every lab's zh.md.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstUseProblems } from '../../src/lab/glossary.js';

const labsDir = join(import.meta.dirname, '..', '..', 'labs');

t.test("the first-use rule and the glossary's words are enforced", async (t) => {
  const good = '# 标题：容器\n\n一行，容器也可以出现在这里。\n\n容器（container）用内核（kernel）的命名空间（namespace）。容器又出现。\n';
  t.same(firstUseProblems(good), [], 'the title and the one-line summary come before the rule');
  t.match(firstUseProblems(good.replace('容器（container）', '容器'))[0], /the first "容器" needs "（container）"/);
  t.match(firstUseProblems(good.replace('命名空间（namespace）', '命名空间（namespace）（也叫 ns）')).join('\n'), /two parentheses in a row/);
  t.match(firstUseProblems(`${good}压力阻塞信息（PSI）\n`).join('\n'), /"压力阻塞信息" is not the glossary's word/);
});

const labIds = readdirSync(labsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

t.test('every lab: zh.md follows the glossary', async (t) => {
  for (const id of labIds) t.same(firstUseProblems(readFileSync(join(labsDir, id, 'zh.md'), 'utf8')), [], id);
});
