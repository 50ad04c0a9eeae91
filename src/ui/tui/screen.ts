// The blessed side of the terminal UI: one box per panel, placed by the layout and filled with the views' lines.
// Nothing here decides what to show; it only paints. Restoring the terminal is idempotent and safe to call from
// an exit hook.
import { createRequire } from 'node:module';
import type { Widgets } from 'blessed';
import type { Layout, Rect } from './layout.js';
import { lineWidth, toTags, type Line } from './lines.js';

export type PanelName = 'header' | 'steps' | 'live' | 'divider' | 'explanation' | 'log' | 'shell' | 'status' | 'footer';
/** The panels in the order they are drawn. */
export const PANELS: PanelName[] = ['header', 'steps', 'live', 'divider', 'explanation', 'log', 'shell', 'status', 'footer'];

/** Where a panel goes, or undefined when it has no room (it is hidden). */
export function panelRect(layout: Layout, name: PanelName): Rect | undefined {
  const rects: Partial<Record<PanelName, Rect>> = layout;
  const rect = rects[name];
  return rect && rect.width > 0 && rect.height > 0 ? rect : undefined;
}

/** The lines a panel shows in its rectangle: the views' lines cut to its height; the divider is drawn here. */
export function panelLines(name: PanelName, rect: Rect, content: Partial<Record<PanelName, Line[]>>): Line[] {
  if (name === 'divider') return Array.from({ length: rect.height }, (): Line => [{ text: '│', style: 'dim' }]);
  return (content[name] ?? []).slice(0, rect.height);
}

/** A key as blessed reports it: the character, and the name and raw bytes of the key. */
export interface KeyPress {
  ch: string | undefined;
  name: string | undefined;
  full: string | undefined;
  sequence: string | undefined;
}

/**
 * Whether this is the copy of an Enter that blessed makes up: for one `\r` it emits a key named `enter` and then
 * the real one, named `return`, both with the bytes `\r`. Passing both on sent Enter twice to the shell.
 */
export function isEnterEcho(key: KeyPress): boolean {
  return key.name === 'enter' && key.sequence === '\r';
}

/** The two blessed widgets this UI uses. */
interface Blessed {
  screen: typeof import('blessed').screen;
  box: typeof import('blessed').box;
}

/** blessed's screen and box, required one by one: its index requires all of its 34 widgets, and this UI uses two. */
function loadBlessed(): Blessed {
  const require = createRequire(import.meta.url);
  return { screen: require('blessed/lib/widgets/screen.js') as Blessed['screen'], box: require('blessed/lib/widgets/box.js') as Blessed['box'] };
}

/** A blessed screen with the lab's panels and a help overlay. */
export class Screen {
  private readonly screen: Widgets.Screen;
  private readonly boxes = new Map<PanelName, Widgets.BoxElement>();
  private readonly help: Widgets.BoxElement;
  private readonly color: boolean;
  private destroyed = false;

  private constructor(blessed: Blessed, color: boolean, title: string) {
    this.color = color;
    // fullUnicode: CJK characters take two columns and must be laid out as such (with a UTF-8 locale).
    this.screen = blessed.screen({ smartCSR: true, fullUnicode: true, autoPadding: false, warnings: false, title, dockBorders: false });
    // Draw │ ✓ · as themselves: blessed would switch some of them to the terminal's line-drawing charset (ACS),
    // which terminals that ignore the switch (tmux, for one) show as x, ~ and the like.
    const tput = (this.screen as unknown as { tput?: { brokenACS?: boolean } }).tput;
    if (tput) tput.brokenACS = true;
    for (const name of PANELS) {
      const box = blessed.box({ parent: this.screen, tags: true, wrap: false, left: 0, top: 0, width: 1, height: 1 });
      this.boxes.set(name, box);
    }
    this.help = blessed.box({
      parent: this.screen,
      tags: true,
      wrap: false,
      hidden: true,
      top: 'center',
      left: 'center',
      width: 10,
      height: 3,
      border: { type: 'line' },
    });
  }

  /** Open a screen on the process's terminal (blessed is loaded here, on first use). */
  static open(color: boolean, title: string): Screen {
    return new Screen(loadBlessed(), color, title);
  }

  get cols(): number {
    return this.screen.width as number;
  }

  get rows(): number {
    return this.screen.height as number;
  }

  /** Every key press, once, with its raw bytes (for the shell). */
  onKey(listener: (key: KeyPress) => void): void {
    this.screen.on('keypress', (ch: string | undefined, key: Widgets.Events.IKeyEventArg | undefined) => {
      const press: KeyPress = { ch, name: key?.name, full: key?.full, sequence: key?.sequence };
      if (!isEnterEcho(press)) listener(press);
    });
  }

  onResize(listener: () => void): void {
    this.screen.on('resize', listener);
  }

  /** Place the panels and fill them; a panel of zero size is hidden. */
  paint(layout: Layout, content: Partial<Record<PanelName, Line[]>>, help: Line[] | undefined): void {
    if (this.destroyed) return;
    for (const name of PANELS) {
      const box = this.boxes.get(name)!;
      const rect = panelRect(layout, name);
      if (!rect) {
        box.hide();
        continue;
      }
      box.show();
      box.left = rect.left;
      box.top = rect.top;
      box.width = rect.width;
      box.height = rect.height;
      box.setContent(toTags(panelLines(name, rect, content), this.color));
    }
    if (help) {
      const width = Math.min(Math.max(...help.map(lineWidth)) + 2, this.cols);
      this.help.width = width;
      this.help.height = Math.min(help.length + 2, this.rows);
      this.help.setContent(toTags(help, this.color));
      this.help.show();
      this.help.setFront();
    } else this.help.hide();
    this.screen.render();
  }

  /** Give the terminal back as it was (normal screen, cursor, line mode); safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      this.screen.destroy();
    } catch {
      // The terminal is gone (a hang-up): there is nothing left to restore.
    }
  }
}
