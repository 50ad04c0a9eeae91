import t from 'tap';
import { displayWidth, reflow, wrapLine, wrapTitle } from '../../src/ui/text.js';

t.test('CJK characters take two columns', async (t) => {
  t.equal(displayWidth('abc'), 3);
  t.equal(displayWidth('命名空间'), 8);
  t.equal(displayWidth('PID 命名空间（namespace）'), 4 + 8 + 2 + 9 + 2);
});

t.test('wrapping never exceeds the width, in English or Chinese', async (t) => {
  const en = wrapLine('The kernel keeps a separate PID numbering for each PID namespace, so both are true at once.', 30);
  t.ok(
    en.every((line) => displayWidth(line) <= 30),
    en.join('|'),
  );
  t.equal(en.join(' '), 'The kernel keeps a separate PID numbering for each PID namespace, so both are true at once.');
  const source = '内核为每个 PID 命名空间单独编号，所以两者同时成立。';
  const zh = wrapLine(source, 20);
  t.ok(
    zh.every((line) => displayWidth(line) <= 20),
    zh.join('|'),
  );
  t.equal(zh.join('').replace(/ /g, ''), source.replace(/ /g, ''), 'no character is lost');
});

t.test('reflow joins paragraph lines, keeps code blocks, wraps list items with a hanging indent', async (t) => {
  const text = reflow('First line\nsecond line.\n\n    code  block\n\n- item one\n- item two\n\n中文第一行\n第二行 `x`\n（括号）', 80);
  t.equal(text, 'First line second line.\n\n    code  block\n\n- item one\n- item two\n\n中文第一行第二行 `x`（括号）');
  const wrapped = reflow('- a long item that has to wrap onto a second line\n  and goes on here', 24);
  t.equal(wrapped, '- a long item that has\n  to wrap onto a second\n  line and goes on here');
});

t.test('Chinese line breaking: no line starts with closing punctuation or ends with an opening bracket', async (t) => {
  const source = '万一 lab 自己意外退出，内核也会杀掉这个进程，不留残余。（`setpriv --pdeathsig KILL` 是安全带）';
  for (let width = 10; width <= 40; width++) {
    const lines = wrapLine(source, width);
    t.notOk(
      lines.some((line) => /^[，。）]/.test(line) || /（$/.test(line)),
      `width ${width}: ${lines.join('|')}`,
    );
  }
});

t.test('step names wrap where a reader would break them: after punctuation, not inside a word, no line of one character', async (t) => {
  const at = (text: string, width: number): string[] => {
    const lines = wrapTitle(text, width);
    t.ok(
      lines.every((line) => displayWidth(line) <= width),
      `${width} columns: ${lines.join(' | ')}`,
    );
    t.equal(lines.join('').replace(/ /g, ''), text.replace(/ /g, ''), 'no character is lost');
    t.ok(lines.length <= wrapLine(text, width).length, 'no more lines than plain wrapping');
    return lines;
  };
  t.same(at('加入 cgroup 命名空间，什么也不会移动', 24), ['加入 cgroup 命名空间，', '什么也不会移动'], 'after the comma, not 什 | 么');
  t.same(at('共享与私有：两个互为对等的命名空间', 24), ['共享与私有：', '两个互为对等的命名空间'], 'after the colon');
  const uts = at('新的 UTS 命名空间从一份拷贝开始', 24);
  t.notOk(
    uts.some((line) => /命名$|^空间/.test(line)),
    `命名空间 is not broken: ${uts.join(' | ')}`,
  );
  const orphan = at('在里面创建的对象只留在里面', 24);
  t.ok(displayWidth(orphan.at(-1)!) > 4, `the last line is not one word alone: ${orphan.join(' | ')}`);
  t.same(at('Root inside cannot touch what it does not own', 24), ['Root inside cannot touch', 'what it does not own'], 'English as before');
  t.same(at('一张自己的挂载表', 24), ['一张自己的挂载表'], 'a short name stays on one line');
});

t.test('a soft line break beside Chinese: a space before a Latin word or number, none between Chinese characters', async (t) => {
  t.equal(reflow('记在这个\ncgroup 的账上，\n它是\n-1000 到 1000\n之间的数', 80), '记在这个 cgroup 的账上，它是 -1000 到 1000 之间的数');
  t.equal(reflow('在\n`hard` 里\n（括号）\nand English\nwords', 80), '在 `hard` 里（括号）and English words');
});

t.test('inline code breaks only at its own spaces, even with Chinese inside it', async (t) => {
  const path = '`/sys/fs/cgroup/system.slice/lab-memory-<pid>-<时间>.scope/lab-memory`';
  const lines = wrapLine(`在里面创建自己的 cgroup：${path}。没有 systemd 的地方，它直接建在根下`, 60);
  t.ok(
    lines.some((l) => l.includes(path)),
    `the path whole on one line: ${lines.join(' | ')}`,
  );
  const command = wrapLine('运行 `nsenter --target 42 --mount -- 命令` 就行', 20);
  t.ok(command.length > 1 && command.every((l) => displayWidth(l) <= 20), `a command in code still wraps at its spaces: ${command.join(' | ')}`);
});
