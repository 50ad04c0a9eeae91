// The first frame, written to the terminal as plain escape sequences before blessed is loaded. Loading blessed and
// opening its screen (its widgets, the terminal's terminfo) takes longer than everything `lab run` does before it,
// and the learner would look at an empty terminal meanwhile. blessed then clears the screen and draws the same
// frame in the same write, and draws every frame after it: nothing but the first frame is ever painted here.
import type { Layout } from './layout.js';
import { clip, type Line, type Style } from './lines.js';
import { PANELS, panelLines, panelRect, type PanelName } from './screen.js';

/** The styles as SGR codes, the way blessed shows them (dim is its gray, colour 8). */
const SGR: Record<Style, string> = { bold: '1', dim: '90', inverse: '7', underline: '4', green: '32', red: '31', yellow: '33', cyan: '36' };

/** Characters that would move the cursor or change modes; blessed does not draw them either. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The bytes of a frame: the alternate screen, cleared, the cursor hidden, each panel's lines in its place. */
export function frameBytes(layout: Layout, content: Partial<Record<PanelName, Line[]>>, color: boolean): string {
  let out = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
  for (const name of PANELS) {
    const rect = panelRect(layout, name);
    if (!rect) continue;
    panelLines(name, rect, content).forEach((line, y) => {
      out += `\x1b[${rect.top + y + 1};${rect.left + 1}H`;
      for (const seg of clip(line, rect.width)) {
        const text = seg.text.replace(CONTROL, '');
        const style = seg.style && (color || seg.style === 'bold' || seg.style === 'inverse' || seg.style === 'underline') ? seg.style : undefined;
        out += style ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;
      }
    });
  }
  return out;
}

/**
 * Paint the first frame on the process's terminal, in raw mode already (so that keys pressed meanwhile are neither
 * echoed over the frame nor turned into signals: blessed reads them once it listens). Returns how to undo it, for
 * when blessed cannot open its screen.
 */
export function paintFirstFrame(layout: Layout, content: Partial<Record<PanelName, Line[]>>, color: boolean): () => void {
  process.stdin.setRawMode?.(true);
  process.stdout.write(frameBytes(layout, content, color));
  return () => {
    process.stdout.write('\x1b[?25h\x1b[?1049l');
    process.stdin.setRawMode?.(false);
  };
}
