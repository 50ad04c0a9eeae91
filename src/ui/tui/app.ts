// The terminal UI of `lab run`: a listener of the runner's events and a driver that waits for the learner's keys.
// Keys belong to the lab, or to the task's shell while it has the focus (Tab gives it, Ctrl-] takes it back).
import type { LabEvent } from '../../lab/events.js';
import type { LoadedLab, LoadedStep } from '../../lab/load.js';
import type { Driver, TaskSession } from '../../lab/runner.js';
import type { Session } from '../../lab/session.js';
import type { Lang } from '../../lab/spec.js';
import { MSG } from '../messages.js';
import { renderExplanation, whyLine } from './explanation.js';
import { renderFooter, renderHelp, renderStatus } from './footer.js';
import { paintFirstFrame } from './first-frame.js';
import { layout, leftWidthFor, MIN_COLS, MIN_ROWS, type Layout } from './layout.js';
import { clip, type Line } from './lines.js';
import { focusOf, LiveReader, type LiveSnapshot } from './live-data.js';
import { renderLive } from './live-view.js';
import { renderLogPanel, scrollLog } from './log-view.js';
import { Screen, type KeyPress } from './screen.js';
import { answerFirstText, choiceCount, currentQuiz, noChoiceText, quizOf, wrongText } from './quiz.js';
import { ShellPane } from './shell-pane.js';
import { applyEvent, initialState, nextHint, type TuiState } from './state.js';
import { renderHeader, renderSteps, stepRows } from './step-list.js';
import { readXray, type XrayPanel } from './xray-data.js';
import { renderXray } from './xray-view.js';

/** The live panel is read from the kernel this often: more than twice a second. */
export const LIVE_REFRESH_MS = 400;
/** Lines the commands pane moves by for each [ or ]. */
const LOG_STEP = 5;
/** The byte Ctrl-] sends: the way out of the shell, back to the lab's keys. */
const LEAVE_SHELL = '\x1d';

/** Every panel's lines for a state, a layout and a live snapshot: what the screen shows (and the tests read). */
export function renderPanels(state: TuiState, box: Layout, live: LiveSnapshot | undefined, shell: Line[], xray?: XrayPanel): Partial<Record<string, Line[]>> {
  const explanation = renderExplanation(state, box.explanation.width, box.explanation.height);
  state.scroll = explanation.scroll;
  const log = renderLogPanel(state, box.log.width, box.log.height);
  state.logTop = log.top;
  const shellTitle: Line = [
    { text: ` ${MSG.tuiShell[state.lang]}`, style: 'bold' },
    { text: state.shellFocus ? (state.lang === 'zh' ? `  （${MSG.tuiShellKeys.zh}）` : `  (${MSG.tuiShellKeys.en})`) : '', style: 'dim' },
  ];
  return {
    header: renderHeader(state, box.header.width).map((l) => [
      { text: '', style: 'inverse' as const },
      ...l.map((s) => ({ ...s, style: s.style ?? ('inverse' as const) })),
    ]),
    steps: renderSteps(state, box.steps.width, box.steps.height),
    live:
      state.xray && state.phase !== 'done'
        ? renderXray(xray, state.lang, box.live.width, box.live.height)
        : renderLive(live, state.lang, box.live.width, { height: box.live.height, ended: state.phase === 'done' }),
    explanation: explanation.lines,
    log: log.lines,
    shell: box.shell ? [clip(shellTitle, box.shell.width), ...shell] : [],
    status: renderStatus(state, box.status.width),
    footer: renderFooter(state, box.footer.width),
  };
}

/** The panels' places for a state on a terminal of this size: a task's shell has a panel while it is the task's turn. */
export function layoutOf(state: TuiState, cols: number, rows: number): Layout {
  const task = state.lab.steps[state.current]!.spec.kind === 'task' && (state.phase === 'task' || state.phase === 'checking');
  return layout(cols, rows, {
    stepCount: state.lab.steps.length,
    stepRows: stepRows(state, leftWidthFor(cols)),
    task,
    fullscreen: state.fullscreen,
    zoom: state.zoom,
    xray: state.xray === true && state.phase !== 'done',
    quiz: currentQuiz(state) !== undefined && state.phase !== 'done',
  });
}

type Waiting =
  | { kind: 'after'; resolve: (answer: 'next' | 'again' | 'quit') => void }
  | { kind: 'task'; task: TaskSession; resolve: (answer: 'passed' | 'quit') => void }
  | { kind: 'quiz'; step: LoadedStep; answer: (given: string) => boolean; resolve: (answer: 'passed' | 'quit') => void }
  | { kind: 'exit'; resolve: () => void };

/** An open terminal UI for one run. */
export class TuiApp {
  readonly state: TuiState;
  private readonly screen: Screen;
  private readonly shell = new ShellPane();
  private readonly reader = new LiveReader();
  private live: LiveSnapshot | undefined;
  /** The X-ray of the lab's container, read with the snapshot while the panel shows it (x). */
  private xray: XrayPanel | undefined;
  private session: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  private waiting: Waiting | undefined;
  private pending = false;
  private readonly restore = (): void => this.screen.destroy();

  private constructor(screen: Screen, state: TuiState) {
    this.screen = screen;
    this.state = state;
    // The terminal is given back even when the process ends by an exception that escaped everything else.
    process.once('exit', this.restore);
    screen.onKey((key) => this.key(key));
    screen.onResize(() => this.render());
    this.shell.onUpdate = () => this.schedule();
    this.shell.onExit = () => {
      this.state.shellFocus = false;
      this.state.fullscreen = false;
      if (this.state.phase === 'task') this.state.status = MSG.tuiShellEnded;
      this.render();
    };
  }

  /**
   * Draw the first frame at once (before any command runs), then open the screen, which draws it again: the first
   * frame is painted before blessed is loaded (see first-frame.ts).
   */
  static open(lab: LoadedLab, lang: Lang, color: boolean): TuiApp {
    const state = initialState(lab, lang, color);
    const box = layoutOf(state, process.stdout.columns || MIN_COLS, process.stdout.rows || MIN_ROWS);
    const undo = paintFirstFrame(box, renderPanels(state, box, undefined, []), color);
    let screen: Screen;
    try {
      screen = Screen.open(color, `lab ${lab.spec.id}`);
    } catch (error) {
      undo();
      throw error;
    }
    const app = new TuiApp(screen, state);
    app.render();
    return app;
  }

  /** The listener to pass to runLab. */
  readonly listener = (event: LabEvent): void => {
    applyEvent(this.state, event);
    // Processes come and go with commands: read the kernel at once rather than at the next tick.
    if (event.type === 'command-end' || event.type === 'step-done') this.refreshLive();
    if (event.type === 'lab-done') this.stopLive();
    this.schedule();
  };

  /** Pass to runLab's onSession: the live panel follows the session's processes. */
  readonly onSession = (session: Session): void => {
    this.session = session;
    this.refreshLive();
    this.timer = setInterval(() => this.refreshLive(), LIVE_REFRESH_MS);
  };

  /** The driver to pass to runLab; an abort (Ctrl-C, SIGTERM, SIGHUP) answers 'quit' to whatever waits. */
  driver(signal: AbortSignal): Driver {
    signal.addEventListener('abort', () => this.answerQuit(), { once: true });
    return {
      afterStep: (step: LoadedStep) =>
        new Promise((resolve) => {
          if (signal.aborted) return resolve('quit');
          this.state.current = step.index;
          this.state.phase = 'after-step';
          this.waiting = { kind: 'after', resolve };
          this.render();
        }),
      task: (_step: LoadedStep, task: TaskSession) =>
        new Promise((resolve) => {
          if (signal.aborted) return resolve('quit');
          this.waiting = { kind: 'task', task, resolve };
          this.state.phase = 'task';
          void this.openShell(task);
        }),
      quiz: (step: LoadedStep, answer: (given: string) => boolean) =>
        new Promise((resolve) => {
          if (signal.aborted) return resolve('quit');
          this.state.current = step.index;
          this.state.phase = 'quiz';
          // The learner's turn, marked as a task's is in the step list.
          this.state.steps[step.index]!.state = 'waiting';
          this.state.quiz = { typing: false, text: '' };
          this.waiting = { kind: 'quiz', step, answer, resolve };
          this.render();
        }),
    };
  }

  /** After the run: wait until the learner has read the result and pressed q (or Enter). */
  waitForExit(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = { kind: 'exit', resolve };
      this.render();
    });
  }

  /** Stop the shell and the live panel and give the terminal back. */
  close(): void {
    this.stopLive();
    this.shell.stop();
    this.screen.destroy();
    process.off('exit', this.restore);
  }

  private stopLive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private refreshLive(): void {
    if (!this.session || this.state.phase === 'done') return;
    this.live = this.reader.read(this.session.allProcesses(), Date.now(), focusOf(this.state));
    this.xray = this.state.xray ? readXray(this.live) : undefined;
    this.schedule();
  }

  private async openShell(task: TaskSession): Promise<void> {
    const box = this.layout();
    const rect = box.shell ?? box.log;
    try {
      await this.shell.start(task.shellArgv(), task.runId, rect.width, rect.height - 1);
      this.state.shellFocus = true;
      this.state.status = undefined;
    } catch (error) {
      this.state.status = { en: (error as Error).message, zh: (error as Error).message };
    }
    this.render();
  }

  private answerQuit(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.shell.stop();
    if (waiting?.kind === 'after') waiting.resolve('quit');
    else if (waiting?.kind === 'task') waiting.resolve('quit');
    else if (waiting?.kind === 'quiz') waiting.resolve('quit');
    else if (waiting?.kind === 'exit') waiting.resolve();
  }

  private layout(): Layout {
    return layoutOf(this.state, this.screen.cols, this.screen.rows);
  }

  /** Draw now. */
  render(): void {
    this.pending = false;
    const box = this.layout();
    if (box.shell) this.shell.resize(box.shell.width, box.shell.height - 1);
    const panels = renderPanels(this.state, box, this.live, box.shell ? this.shell.lines(this.state.shellFocus) : [], this.xray);
    this.screen.paint(box, panels, this.state.help ? renderHelp(this.state) : undefined);
  }

  /** Draw soon, once, however many events arrive meanwhile. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      if (this.pending) this.render();
    });
  }

  private key(key: KeyPress): void {
    const state = this.state;
    if (state.shellFocus && this.shell.running) {
      const bytes = key.sequence ?? key.ch ?? '';
      if (bytes === LEAVE_SHELL) state.shellFocus = false;
      else this.shell.write(bytes);
      return this.render();
    }
    if (state.help) {
      state.help = false;
      return this.render();
    }
    if (key.full === 'C-c') {
      // The same path as a SIGINT from outside: abort the run, which then cleans up.
      if (this.waiting?.kind === 'exit') this.answerQuit();
      else process.kill(process.pid, 'SIGINT');
      return;
    }
    state.status = undefined;
    const waiting = this.waiting;
    if (waiting?.kind === 'quiz' && this.quizKey(waiting, key)) return this.render();
    switch (key.full) {
      case 'q':
        if (waiting) this.answerQuit();
        else process.kill(process.pid, 'SIGINT');
        return;
      case 'enter':
      case 'return':
        if (waiting?.kind === 'exit') this.answerQuit();
        else if (waiting?.kind === 'task') this.focusShell(waiting.task);
        break;
      case 'n':
        if (waiting?.kind === 'after') this.answer('next');
        else if (waiting?.kind === 'task') state.status = MSG.tuiTaskFirst;
        break;
      case 'r':
        if (waiting?.kind === 'after') this.answer('again');
        else if (waiting?.kind === 'task') this.check(waiting);
        break;
      case 'c':
        if (waiting?.kind === 'task') this.check(waiting);
        else if (waiting?.kind === 'after') this.answer('again');
        break;
      case 'h':
        if (!nextHint(state))
          state.status = { en: MSG.noMoreHints.en.replace('{id}', state.lab.spec.id), zh: MSG.noMoreHints.zh.replace('{id}', state.lab.spec.id) };
        break;
      case 'tab':
        if (waiting?.kind === 'task') this.focusShell(waiting.task);
        else state.status = MSG.tuiNoShell;
        break;
      case 's':
        if (waiting?.kind === 'task') {
          state.fullscreen = !state.fullscreen;
          if (state.fullscreen) this.focusShell(waiting.task);
        } else state.status = MSG.tuiNoShell;
        break;
      case 'l':
        state.lang = state.lang === 'en' ? 'zh' : 'en';
        this.showWhy();
        break;
      case 'x':
        // The live panel: the X-ray of the lab's container, or every process and the namespace table.
        state.xray = !state.xray;
        this.refreshLive();
        break;
      case '?':
        state.help = true;
        break;
      case 'up':
      case 'k':
        state.scroll = Math.max(state.scroll - 1, 0);
        break;
      case 'down':
      case 'j':
        state.scroll++;
        break;
      case 'pageup':
        state.scroll = Math.max(state.scroll - 5, 0);
        break;
      case 'pagedown':
        state.scroll += 5;
        break;
      case '[':
      case ']': {
        const box = this.layout();
        scrollLog(state, box.log.width, box.log.height, key.full === '[' ? -LOG_STEP : LOG_STEP);
        break;
      }
      case 'z':
        // The explanation big, then the commands big, then both as they were.
        state.zoom = state.zoom === undefined ? 'explanation' : state.zoom === 'explanation' ? 'log' : undefined;
        break;
      case 'home':
        state.logTop = 0;
        break;
      case 'end':
        state.logTop = undefined;
        break;
      default:
        return;
    }
    this.render();
  }

  /**
   * A key while a quiz waits for its answer: a digit answers a choice quiz; Enter or a opens a typed quiz's input
   * line, which then takes every key (Enter submits, Esc cancels) but Ctrl-C. Returns false for the keys that do
   * what they do on any step (h, l, ↑ ↓, z, ?, q).
   */
  private quizKey(waiting: Extract<Waiting, { kind: 'quiz' }>, key: KeyPress): boolean {
    const state = this.state;
    const input = (state.quiz ??= { typing: false, text: '' });
    const quiz = quizOf(waiting.step)!;
    const name = key.full ?? key.name ?? '';
    if (input.typing) {
      if (name === 'escape') Object.assign(input, { typing: false, text: '' });
      else if (name === 'enter' || name === 'return') {
        if (input.text.trim()) this.submit(waiting, input.text);
      } else if (name === 'backspace') input.text = [...input.text].slice(0, -1).join('');
      else if (name === 'C-u') input.text = '';
      else if (key.ch && !/[\x00-\x1f\x7f]/.test(key.ch)) input.text += key.ch;
      return true;
    }
    if ('choice' in quiz.answer) {
      if (/^[0-9]$/.test(name)) {
        if (Number(name) >= 1 && Number(name) <= choiceCount(waiting.step)) this.submit(waiting, name);
        else state.status = noChoiceText(waiting.step, name);
        return true;
      }
    } else if (name === 'enter' || name === 'return' || name === 'a') {
      Object.assign(input, { typing: true, text: '' });
      return true;
    } else if (/^[0-9]$/.test(name)) {
      // A typed answer may be a number: its first digit opens the input line.
      Object.assign(input, { typing: true, text: name });
      return true;
    }
    if (['n', 'c', 'r', 'enter', 'return', 'a'].includes(name)) {
      state.status = answerFirstText(waiting.step);
      return true;
    }
    return false;
  }

  /** Give one answer to the quiz: right, the runner goes on and the `### Why` is scrolled into view; wrong, say so. */
  private submit(waiting: Extract<Waiting, { kind: 'quiz' }>, given: string): void {
    const state = this.state;
    const ok = waiting.answer(given);
    if (!ok) {
      state.quiz = { typing: false, text: '' };
      state.status = wrongText(waiting.step, given);
      return;
    }
    this.waiting = undefined;
    state.quiz = undefined;
    state.phase = 'running';
    this.showWhy();
    waiting.resolve('passed');
  }

  /** Once a quiz was answered right, its `### Why` is shown from the top of the pane (or as near as the text allows). */
  private showWhy(): void {
    const at = whyLine(this.state, this.layout().explanation.width);
    if (at !== undefined) this.state.scroll = Math.max(at - 1, 0);
  }

  private answer(answer: 'next' | 'again'): void {
    const waiting = this.waiting;
    if (waiting?.kind !== 'after') return;
    this.waiting = undefined;
    this.state.phase = answer === 'next' ? 'running' : 'checking';
    waiting.resolve(answer);
  }

  private focusShell(task: TaskSession): void {
    if (this.shell.running) this.state.shellFocus = true;
    else void this.openShell(task);
  }

  private check(waiting: Extract<Waiting, { kind: 'task' }>): void {
    if (this.state.phase === 'checking') return;
    this.state.phase = 'checking';
    this.render();
    void waiting.task.check().then((ok) => {
      if (this.waiting !== waiting) return;
      if (ok) {
        this.waiting = undefined;
        this.shell.stop();
        this.state.shellFocus = false;
        this.state.fullscreen = false;
        waiting.resolve('passed');
      } else {
        this.state.phase = 'task';
        this.state.steps[this.state.current]!.log.push({ kind: 'note', text: MSG.notYet });
        this.render();
      }
    });
  }
}
