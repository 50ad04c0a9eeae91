// Fault injection for the tests (test/hardening/faults*.test.ts): the harness raises a signal at itself at one of
// its fault points, the places where a signal or a kill -9 must leave nothing behind that `lab clean` cannot remove.
// Off unless LAB_FAULT is set: `LAB_FAULT=<n>:<SIGNAL>` raises SIGNAL at the n-th fault point of the run (counted
// from 1), `LAB_FAULT=list` goes on normally and writes the label of every point passed, one a line, to the file
// LAB_FAULT_LOG names (or stderr). Both are read once and taken out of the environment, so that the commands a lab
// runs (a `lab container` inside a lab, say) do not count points of their own.
import { appendFileSync } from 'node:fs';

const spec = process.env.LAB_FAULT;
const log = process.env.LAB_FAULT_LOG;
delete process.env.LAB_FAULT;
delete process.env.LAB_FAULT_LOG;
const target = spec && spec !== 'list' ? /^(\d+):(SIG[A-Z]+)$/.exec(spec) : null;
let passed = 0;

/** How long the harness waits after raising a signal at itself, so that its handler (if any) runs first. */
const HANDLER_WAIT_MS = 50;

/**
 * A fault point (`label`: `before step 2 (rootfs)`, `inside run ip`, ...). Nothing at all when LAB_FAULT is unset;
 * otherwise counts the point, and lists it or raises the signal at the harness and waits for its handler.
 */
export function faultPoint(label: string): Promise<void> | undefined {
  if (spec === undefined) return undefined;
  passed++;
  if (spec === 'list') {
    if (log) appendFileSync(log, `${label}\n`);
    else process.stderr.write(`fault point ${passed}: ${label}\n`);
    return undefined;
  }
  if (!target || Number(target[1]) !== passed) return undefined;
  process.kill(process.pid, target[2] as NodeJS.Signals);
  return new Promise((resolve) => setTimeout(resolve, HANDLER_WAIT_MS));
}
