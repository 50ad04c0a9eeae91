// The task's shell in a pane: a real shell on a pseudo-terminal (node-pty, through src/host/pty.ts) whose output
// feeds a headless xterm; the pane shows that terminal's screen, with the cursor, as lines.
import type { Terminal } from '@xterm/headless';
import { spawnPty, type PtyProcess } from '../../host/pty.js';
import { clip, type Line } from './lines.js';

type XtermModule = typeof import('@xterm/headless');
let xterm: XtermModule | undefined;

async function loadXterm(): Promise<XtermModule> {
  if (!xterm) {
    // @xterm/headless is CommonJS: under ESM its exports arrive as the default export.
    const module = (await import('@xterm/headless')) as XtermModule & { default?: XtermModule };
    xterm = module.default ?? module;
  }
  return xterm;
}

/** A shell and the terminal emulator that keeps its screen. */
export class ShellPane {
  private term: Terminal | undefined;
  private pty: PtyProcess | undefined;
  private cols = 80;
  private rows = 24;
  /** Whether a shell runs now. */
  running = false;
  /** Called when the shell's screen changed. */
  onUpdate: () => void = () => {};
  /** Called when the shell ended by itself. */
  onExit: (code: number) => void = () => {};

  /** Start `argv` (a shell) in a terminal of this size; any previous shell's screen is dropped. */
  async start(argv: readonly string[], runId: string, cols: number, rows: number): Promise<void> {
    this.stop();
    this.cols = Math.max(cols, 10);
    this.rows = Math.max(rows, 2);
    const { Terminal } = await loadXterm();
    const term = new Terminal({ cols: this.cols, rows: this.rows, allowProposedApi: true, scrollback: 200 });
    const pty = await spawnPty(argv, { runId, cols: this.cols, rows: this.rows });
    this.term = term;
    this.pty = pty;
    this.running = true;
    pty.onData((data) => term.write(data, () => this.onUpdate()));
    pty.onExit((code) => {
      if (this.pty !== pty) return;
      this.running = false;
      this.pty = undefined;
      this.onExit(code);
    });
  }

  /** Keys typed by the learner. */
  write(data: string): void {
    this.pty?.write(data);
  }

  /** Follow the pane's size. */
  resize(cols: number, rows: number): void {
    const c = Math.max(cols, 10);
    const r = Math.max(rows, 2);
    if (c === this.cols && r === this.rows) return;
    this.cols = c;
    this.rows = r;
    this.term?.resize(c, r);
    this.pty?.resize(c, r);
  }

  /** End the shell (SIGHUP, then SIGKILL): a task is over or the lab quits. */
  stop(): void {
    const pty = this.pty;
    this.pty = undefined;
    this.running = false;
    pty?.stop();
  }

  /** The screen's lines, the cursor shown in inverse when the shell has the keys. */
  lines(showCursor: boolean): Line[] {
    const term = this.term;
    if (!term) return [];
    const buffer = term.buffer.active;
    const out: Line[] = [];
    for (let y = 0; y < this.rows; y++) {
      const row = buffer.getLine(buffer.viewportY + y);
      if (!row) {
        out.push([]);
        continue;
      }
      const atCursor = showCursor && this.running && y === buffer.cursorY && buffer.viewportY === buffer.baseY;
      if (!atCursor) {
        out.push(clip([{ text: row.translateToString(true) }], this.cols));
        continue;
      }
      // The cursor's line, cell by cell: a wide (CJK) character fills two cells, the second of width 0.
      let before = '';
      let under = ' ';
      let after = '';
      for (let x = 0; x < this.cols; x++) {
        const cell = row.getCell(x);
        if (!cell || cell.getWidth() === 0) continue;
        const chars = cell.getChars() || ' ';
        if (x < buffer.cursorX) before += chars;
        else if (x === buffer.cursorX) under = chars;
        else after += chars;
      }
      out.push([{ text: before }, { text: under, style: 'inverse' }, { text: after.trimEnd() }]);
    }
    return out;
  }
}
