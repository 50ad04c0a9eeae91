import t from 'tap';
import { displayWidth, reflow, wrapLine } from '../../src/ui/text.js';

t.test('CJK characters take two columns', async (t) => {
  t.equal(displayWidth('abc'), 3);
  t.equal(displayWidth('命名空间'), 8);
  t.equal(displayWidth('PID 命名空间（namespace）'), 4 + 8 + 2 + 9 + 2);
});

t.test('wrapping never exceeds the width, in English or Chinese', async (t) => {
  const en = wrapLine('The kernel keeps a separate PID numbering for each PID namespace, so both are true at once.', 30);
  t.ok(en.every((line) => displayWidth(line) <= 30), en.join('|'));
  t.equal(en.join(' '), 'The kernel keeps a separate PID numbering for each PID namespace, so both are true at once.');
  const source = '内核为每个 PID 命名空间单独编号，所以两者同时成立。';
  const zh = wrapLine(source, 20);
  t.ok(zh.every((line) => displayWidth(line) <= 20), zh.join('|'));
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
    t.notOk(lines.some((line) => /^[，。）]/.test(line) || /（$/.test(line)), `width ${width}: ${lines.join('|')}`);
  }
});
