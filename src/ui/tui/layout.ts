// Where each panel goes for a terminal size: pure arithmetic, so the views can be tested at 80x24 without one.
//
//   ┌ header: lab title, step n/N, progress ───────────────────────────────┐
//   │ steps        │ explanation of the current step (scrolls)            │
//   │              ├──────────────────────────────────────────────────────┤
//   │──────────────│ commands and their output, checks, hints             │
//   │ kernel, live ├──────────────────────────────────────────────────────┤
//   │ (namespaces, │ shell (task steps only)                              │
//   │  cgroup; x:  │                                                      │
//   │  the X-ray)  │                                                      │
//   ├ status line ──────────────────────────────────────────────────────────┤
//   └ footer: keys ────────────────────────────────────────────────────────┘

/** A rectangle in terminal cells. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Layout {
  header: Rect;
  steps: Rect;
  live: Rect;
  explanation: Rect;
  log: Rect;
  /** Present on task steps (the whole screen but the footer when full screen). */
  shell?: Rect;
  status: Rect;
  footer: Rect;
  /** The column between the left panels and the right ones. */
  divider: Rect;
}

/** The smallest terminal the layout is made for; smaller ones still get a (cramped) screen. */
export const MIN_COLS = 80;
export const MIN_ROWS = 24;

/** Which right-hand pane the learner gave the room to (z): the explanation, the commands, or neither. */
export type Zoom = 'explanation' | 'log' | undefined;

/** The left column's width: enough for the namespace table (a name, the host's inode and one lab process at 80
 * columns, three at 120 and more). */
export function leftWidthFor(cols: number): number {
  const width = Math.max(cols, 20);
  return width >= 120 ? 46 : Math.min(30, Math.floor(width / 2));
}

/** Rows the step list keeps at least while the live panel shows the X-ray (x): its title and the current step. */
const XRAY_STEPS = 3;
/** Rows the X-ray would like (its long lines wrapped at 46 columns, or most of them at 30): the step list gives them up. */
const XRAY_ROWS = 18;

/** Rows a collapsed pane keeps: its title and its newest (or first) line. */
const COLLAPSED = 2;

/** Split `height` rows between the explanation and the commands pane, `share` of it to the explanation (or a zoom). */
function split(height: number, share: number, zoom: Zoom, min: number): [number, number] {
  if (zoom === 'explanation') return [Math.max(height - COLLAPSED, 1), Math.min(COLLAPSED, height - 1)];
  if (zoom === 'log') return [Math.min(COLLAPSED, height - 1), Math.max(height - COLLAPSED, 1)];
  const explanation = Math.min(Math.max(Math.round(height * share), min), height - 2);
  return [explanation, height - explanation];
}

/**
 * Panels for a terminal of `cols` x `rows`, for a lab of `stepCount` steps (`stepRows`: the rows its list would
 * like, its title and the step names wrapped; `stepCount + 1` when not given).
 */
export function layout(
  cols: number,
  rows: number,
  options: { stepCount: number; stepRows?: number; task: boolean; fullscreen: boolean; zoom?: Zoom; xray?: boolean; quiz?: boolean },
): Layout {
  const width = Math.max(cols, 20);
  const height = Math.max(rows, 8);
  const header: Rect = { left: 0, top: 0, width, height: 1 };
  const footer: Rect = { left: 0, top: height - 1, width, height: 1 };
  const status: Rect = { left: 0, top: height - 2, width, height: 1 };
  const bodyTop = 1;
  const bodyHeight = height - 3;
  const leftWidth = leftWidthFor(width);
  const stepsHeight = Math.min(
    Math.max(options.stepRows ?? 0, options.stepCount + 1),
    Math.floor(bodyHeight / 2),
    options.xray ? Math.max(XRAY_STEPS, bodyHeight - XRAY_ROWS) : Infinity,
  );
  const steps: Rect = { left: 0, top: bodyTop, width: leftWidth, height: stepsHeight };
  const live: Rect = { left: 0, top: bodyTop + stepsHeight, width: leftWidth, height: bodyHeight - stepsHeight };
  const divider: Rect = { left: leftWidth, top: bodyTop, width: 1, height: bodyHeight };
  const right = leftWidth + 1;
  const rightWidth = width - right;
  if (options.task && options.fullscreen) {
    const shell: Rect = { left: 0, top: 0, width, height: height - 1 };
    const none: Rect = { left: 0, top: 0, width: 0, height: 0 };
    return { header: none, steps: none, live: none, explanation: none, log: none, shell, status: none, footer, divider: none };
  }
  if (!options.task) {
    // The explanation first: at 80x24 it gets 10 of the 21 rows (its title and 9 lines of prose); a quiz's gets 15
    // (the question, its choices, then why), the commands pane keeping the answers given.
    const [explanationHeight, logHeight] = split(bodyHeight, options.quiz ? 0.72 : 0.48, options.zoom, 4);
    const explanation: Rect = { left: right, top: bodyTop, width: rightWidth, height: explanationHeight };
    const log: Rect = { left: right, top: bodyTop + explanationHeight, width: rightWidth, height: logHeight };
    return { header, steps, live, explanation, log, status, footer, divider };
  }
  // A task: the shell gets 8 rows at 24 (its title and 7 lines: it scrolls itself), more on taller terminals; the
  // rest goes to the explanation (the task) before the commands (which scroll).
  const shellHeight = Math.max(Math.floor(bodyHeight * 0.4), 6);
  const [explanationHeight, logHeight] = split(bodyHeight - shellHeight, 0.66, options.zoom, 3);
  const explanation: Rect = { left: right, top: bodyTop, width: rightWidth, height: explanationHeight };
  const log: Rect = { left: right, top: bodyTop + explanationHeight, width: rightWidth, height: logHeight };
  const shell: Rect = { left: right, top: bodyTop + explanationHeight + logHeight, width: rightWidth, height: shellHeight };
  return { header, steps, live, explanation, log, shell, status, footer, divider };
}
