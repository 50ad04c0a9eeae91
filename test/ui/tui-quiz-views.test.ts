// The terminal UI's views of a quiz, fed a fake event stream and rendered as text without a terminal, at 80x24 in
// both languages: the choices numbered, a wrong one marked, the `### Why` only after the right answer, the input
// line of a typed answer, the quiz keys in the footer and the help, the quiz named in the step list.
import t from 'tap';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab, LoadedStep } from '../../src/lab/load.js';
import type { Lang } from '../../src/lab/spec.js';
import { displayWidth } from '../../src/ui/text.js';
import { layoutOf, renderPanels } from '../../src/ui/tui/app.js';
import { renderHelp } from '../../src/ui/tui/footer.js';
import { toText, type Line } from '../../src/ui/tui/lines.js';
import { applyEvent, initialState, type TuiState } from '../../src/ui/tui/state.js';

const prose = (title: string, body: string, choices: string[], why: string) => ({ title, body, hints: ['—'], choices, why });
const steps: LoadedStep[] = [
  {
    spec: { id: 'clock', kind: 'quiz', answer: { choice: 2 } },
    index: 0,
    prose: {
      en: prose(
        'Which clocks?',
        'Which clocks does a time namespace offset?',
        ['`CLOCK_REALTIME`', '`CLOCK_MONOTONIC` and `CLOCK_BOOTTIME`'],
        'Only those two: one wall clock for all.',
      ),
      zh: prose(
        '哪些时钟？',
        '时间命名空间偏移哪些时钟？',
        ['`CLOCK_REALTIME`', '`CLOCK_MONOTONIC` 和 `CLOCK_BOOTTIME`'],
        '只有这两个：整台机器只有一个墙上时钟。',
      ),
    },
  },
  {
    spec: { id: 'file', kind: 'quiz', answer: { typed: ['timens_offsets'] } },
    index: 1,
    prose: {
      en: prose('Which file?', 'Which file holds the offsets?', [], 'It is `timens_offsets`.'),
      zh: prose('哪个文件？', '哪个文件保存偏移量？', [], '是 `timens_offsets`。'),
    },
  },
];
const lab = {
  spec: { format: 1, id: 'fake', order: 1, requires: [], shell: { target: 'init', namespaces: ['pid'] }, steps: steps.map((s) => s.spec) },
  dir: '/nowhere',
  title: { en: 'Fake lab', zh: '假实验' },
  summary: { en: 'A fake.', zh: '一个假的。' },
  steps,
} as unknown as LoadedLab;

/** The screen's text at 80x24, panel by panel. */
function panels(state: TuiState): Record<string, string> {
  const box = layoutOf(state, 80, 24);
  const out: Record<string, string> = {};
  for (const [name, lines] of Object.entries(renderPanels(state, box, undefined, []))) out[name] = toText(lines ?? []);
  return out;
}

function asked(lang: Lang, index = 0): TuiState {
  const state = initialState(lab, lang, false);
  const events: LabEvent[] = [
    { type: 'lab-start', lab, lang, mode: 'run', runId: 'lab-fake-1-x' },
    { type: 'step-start', step: steps[index]!, index, total: 2 },
  ];
  for (const e of events) applyEvent(state, e);
  // What TuiApp's driver does when the runner asks the quiz.
  state.phase = 'quiz';
  state.quiz = { typing: false, text: '' };
  state.steps[index]!.state = 'waiting';
  return state;
}

const widest = (lines: Line[]): number => Math.max(...lines.map((l) => displayWidth(toText([l]))));

t.test('a choice quiz: numbered choices, a wrong one marked, the why after the right one', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const state = asked(lang);
    let p = panels(state);
    t.match(p.steps, lang === 'en' ? '? 1. Which clocks?' : '? 1. 哪些时钟？', `${lang}: the step list, the quiz on screen`);
    t.match(p.steps, lang === 'en' ? '? 2. Which file?' : '? 2. 哪个文件？', `${lang}: a quiz ahead is marked as a question`);
    t.match(p.explanation, lang === 'en' ? '1. Which clocks? — Quiz' : '1. 哪些时钟？ — 测验', `${lang}: so does the title`);
    t.match(p.explanation, /1\. CLOCK_REALTIME\n.*2\. CLOCK_MONOTONIC/, `${lang}: the choices, numbered, without backticks`);
    t.notMatch(p.explanation, lang === 'en' ? 'Why' : '解释', `${lang}: no why yet`);
    t.match(p.status, lang === 'en' ? 'Your answer: press 1-2' : '你的回答：按 1-2', `${lang}: the status says how to answer`);
    t.match(p.footer, lang === 'en' ? '1-2 answer  h hint' : '1-2 回答  h 提示', `${lang}: the footer lists the keys`);

    applyEvent(state, { type: 'quiz-answer', step: 'clock', given: '1', ok: false });
    p = panels(state);
    t.match(p.explanation, '✗ 1. CLOCK_REALTIME', `${lang}: the wrong choice is marked`);
    t.match(p.log, lang === 'en' ? '✗ Answer: 1. CLOCK_REALTIME — not right' : '✗ 回答：1. CLOCK_REALTIME — 不对', `${lang}: the state records the answer`);
    t.notMatch(p.explanation, lang === 'en' ? 'Why' : '解释', `${lang}: still no why`);

    applyEvent(state, { type: 'quiz-answer', step: 'clock', given: '2', ok: true });
    applyEvent(state, {
      type: 'check',
      step: 'clock',
      check: 'answer',
      title: { en: 'The answer is right', zh: '回答正确' },
      ok: true,
      found: { en: '2', zh: '2' },
    });
    applyEvent(state, { type: 'step-done', step: 'clock', status: 'passed' });
    p = panels(state);
    t.match(p.explanation, '✓ 2. CLOCK_MONOTONIC', `${lang}: the right choice is marked`);
    t.match(p.explanation, lang === 'en' ? /Why\n.*Only those two: one wall clock for all\./ : /解释\n.*整台机器只有一个墙上时钟/, `${lang}: the why`);
    t.match(p.status, lang === 'en' ? 'Right: the explanation below says why. n: next step' : '回答正确：下面的解释说明了原因。n：下一步', `${lang}: right`);
    t.match(p.steps, lang === 'en' ? '✓ 1. Which clocks?' : '✓ 1. 哪些时钟？', `${lang}: passed in the list`);
    for (const [name, text] of Object.entries(p)) for (const l of text.split('\n')) t.ok(displayWidth(l) <= 80, `${lang} ${name}: ${l}`);
  }
});

t.test('a typed quiz: the input line in the status line, the typing keys in the footer', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const state = asked(lang, 1);
    let p = panels(state);
    t.match(p.status, lang === 'en' ? 'Press Enter (or a) to type your answer.' : '按 Enter（或 a）输入你的回答。', `${lang}: how to answer`);
    t.match(p.footer, lang === 'en' ? 'Enter type the answer' : 'Enter 输入回答', `${lang}: the footer`);
    t.notMatch(p.explanation, /^\s+1\. /m, `${lang}: no choices`);
    state.quiz = { typing: true, text: '时间 ns' };
    p = panels(state);
    t.match(p.status, `${lang === 'en' ? 'Your answer: ' : '你的回答：'}时间 ns▏`, `${lang}: the input line`);
    t.match(p.footer, lang === 'en' ? 'Enter submit  Esc cancel' : 'Enter 提交  Esc 取消', `${lang}: the typing keys`);
    applyEvent(state, { type: 'quiz-answer', step: 'file', given: 'timens_offsets', ok: true });
    t.match(panels(state).explanation, lang === 'en' ? /Why\n.*It is timens_offsets\./ : /解释\n.*是 timens_offsets。/, `${lang}: the why`);
  }
});

t.test('the help lists the quiz keys and fits 80 columns', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const help = renderHelp(asked(lang));
    const text = toText(help);
    t.match(text, lang === 'en' ? /h +the next hint \n.*1-9 +answer a quiz/ : /h +下一条提示 \n.*1-9 +回答测验/, `${lang}: after the hint`);
    t.match(text, lang === 'en' ? 'Enter  type a quiz' : 'Enter  输入测验的回答', `${lang}: typing`);
    // The help box adds a border on each side: the quiz's lines leave room for it at 80 columns.
    t.ok(widest(help.filter((l) => /1-9|Enter {2}/.test(toText([l])))) + 2 <= 80, `${lang}: the quiz lines fit the help box at 80 columns`);
  }
});
