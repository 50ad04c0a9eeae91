// Where the harness's own files are, found from this module wherever it runs: from dist/src/host, or inlined in the
// bundle of `lab container` (dist/bundle/, scripts/bundle.mjs). The project root is the nearest directory above
// with a package.json; everything else is a fixed path below it.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The project's root: the nearest directory above this module with a package.json. */
export function projectRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('lab: cannot find the project root');
    dir = up;
  }
  return (root = dir);
}

/** The detached supervisor's module (`node shim.js <id>`, src/runtime/shim.ts), as compiled. */
export function shimPath(): string {
  return join(projectRoot(), 'dist', 'src', 'runtime', 'shim.js');
}

/** The published-port proxy (src/runtime/port-proxy.ts), started by `lab container run -p`. */
export function portProxyPath(): string {
  return join(projectRoot(), 'dist', 'src', 'runtime', 'port-proxy.js');
}

/**
 * lab-init (native/lab-init.c, built by `npm run build` where a C compiler is), or undefined: not built, or
 * LAB_CONTAINER_INIT=sh asks for the shell that runs the same steps (slower: a process per command).
 */
export function labInitPath(): string | undefined {
  if (process.env.LAB_CONTAINER_INIT === 'sh') return undefined;
  const path = join(projectRoot(), 'dist', 'native', 'lab-init');
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}
