// The layer rule the architecture test applies, apart from the file walking so that it can be tested itself.

/** The layers, lowest first; a file may import its own layer and those before it in `MAY_IMPORT`. */
export type Layer = 'common' | 'kernel' | 'host' | 'runtime' | 'lab' | 'class' | 'ui' | 'cli' | 'labs';

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  common: ['common'],
  kernel: ['kernel', 'common'],
  host: ['host', 'kernel', 'common'],
  // The container runtime (`lab container`): runs the kernel's plans on the host; only the CLI uses it.
  runtime: ['runtime', 'host', 'kernel', 'common'],
  lab: ['lab', 'host', 'kernel', 'common'],
  // The live class view (`lab class`): its server and the learner's reporter; of the lab model it imports only the
  // event types (src/lab/events.ts), which the test checks apart.
  class: ['class', 'host', 'common'],
  ui: ['ui', 'lab', 'host', 'kernel', 'common'],
  cli: ['cli', 'ui', 'class', 'lab', 'runtime', 'host', 'kernel', 'common'],
  labs: ['labs', 'lab', 'kernel', 'common'],
};

/** The layer of a project file (`src/kernel/proc.ts` → kernel, `labs/x/lab.ts` → labs), or undefined. */
export function layerOf(file: string): Layer | undefined {
  if (file.startsWith('labs/')) return 'labs';
  const m = /^src\/(common|kernel|host|runtime|lab|class|ui|cli)\//.exec(file);
  return m ? (m[1] as Layer) : undefined;
}

/** Why an import from `from` to `to` points the wrong way, or undefined when it is allowed. */
export function wrongWay(from: string, to: string): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (!a || !b) return a && !to.startsWith('src/') && !to.startsWith('labs/') ? `${to} is outside src/ and labs/` : undefined;
  if (a === 'class' && to === 'src/lab/events.ts') return undefined;
  return MAY_IMPORT[a].includes(b) ? undefined : `${a} may import only ${MAY_IMPORT[a].join(', ')}, not ${b}`;
}

/** The relative module specifiers a source file imports or re-exports (`./a.js`), static or dynamic. */
export function importArrows(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g))
    out.push((m[1] ?? m[2])!);
  return out;
}
