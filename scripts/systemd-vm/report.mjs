// The systemd test VM's results (results/ as the guest left it on the data disk) read into one object, and that
// object written as TAP 14: a subtest for the learner's machine (session, provisioning, lab doctor, the snapshot's
// own controls), then one subtest per lab holding the lab's own test points and "host left as it was".
// systemdTap is pure: results in, text out.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One lab's run in the guest.
 * @typedef {{ id: string, tap?: string, stderr?: string, status?: number, seconds?: number, diff?: string,
 *   firstDiff?: string, settleSeconds?: number }} LabResult
 */

/**
 * Everything the guest wrote. A field is undefined when the guest did not get that far.
 * @typedef {{ done: boolean, selfCgroup?: string, systemState?: string, facts?: string, loginUptime?: number,
 *   endUptime?: number, control: { stable?: string, changed?: string, restored?: string }, copySeconds?: number,
 *   provision: { status?: number, seconds?: number, log?: string }, list: { status?: number, stderr?: string,
 *   labs?: { id: string, ready: boolean, missing: string[], missingOptional?: string[] }[] }, doctor: { status?: number, output?: string },
 *   labsRun?: string[], scenarios?: Record<string, Scenario>, labs: LabResult[], container?: ContainerCheck }} GuestResults
 *   scenarios: by name, `reload` and `kill`, when the guest got to them; container: the `lab container` check
 */

/**
 * The `lab container` check (guest-container.sh): its points as the guest judged them, its exit status, time and
 * output.
 * @typedef {{ status?: number, seconds?: number, output?: string,
 *   points: { ok: boolean, name: string, found: string }[] }} ContainerCheck
 */

/**
 * One run of a lab while something else happens: its exit status, time, facts, TAP, output, `lab clean`'s output
 * and the host snapshot's diff.
 * @typedef {{ status?: number, seconds?: number, facts?: string, tap?: string, output?: string, clean?: string,
 *   diff?: string }} Scenario
 */

/**
 * The text of the file `name` in `dir`, or undefined when there is none.
 * @param {string} dir
 * @param {string} name
 */

function text(dir, name) {
  try {
    return readFileSync(join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The number in the file `name` in `dir`, or undefined when there is none.
 * @param {string} dir
 * @param {string} name
 */
function num(dir, name) {
  const t = text(dir, name)?.trim();
  return t === undefined || t === '' || Number.isNaN(Number(t)) ? undefined : Number(t);
}

/**
 * One run of a lab while something else happens (results/scenarios/<name>.*).
 * @param {string} dir
 * @param {string} name
 * @returns {Scenario}
 */
function scenario(dir, name) {
  return {
    status: num(dir, `${name}.status`),
    seconds: num(dir, `${name}.seconds`),
    facts: text(dir, `${name}.facts`),
    tap: text(dir, `${name}.tap`),
    output: text(dir, `${name}.out`) ?? text(dir, `${name}.stderr`),
    clean: text(dir, `${name}.clean`),
    diff: text(dir, `${name}.diff`),
  };
}

/**
 * The `lab container` check's results, when the guest got to it: results/container/points, one
 * `ok|not ok<TAB>name<TAB>found` a line.
 * @param {string} dir
 * @returns {ContainerCheck | undefined}
 */
function containerCheck(dir) {
  if (!existsSync(join(dir, 'container.status')) && !existsSync(join(dir, 'container'))) return undefined;
  const points = (text(join(dir, 'container'), 'points') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ok = '', name = '', found = ''] = line.split('\t');
      return { ok: ok === 'ok', name, found };
    });
  return { status: num(dir, 'container.status'), seconds: num(dir, 'container.seconds'), output: text(dir, 'container.out'), points };
}

/**
 * Read the guest's results/ directory.
 * @param {string} dir
 * @returns {GuestResults}
 */
export function readGuestResults(dir) {
  let labsJson;
  try {
    labsJson = JSON.parse(text(dir, 'labs.json') ?? '');
  } catch {
    labsJson = undefined;
  }
  const labsRun = text(dir, 'labs.run')?.trim().split(/\s+/).filter(Boolean);
  const labDir = join(dir, 'labs');
  const ran = existsSync(labDir) ? [...new Set(readdirSync(labDir).map((f) => f.replace(/\.[^.]+$/, '')))] : [];
  const ids = labsRun ?? ran;
  return {
    done: existsSync(join(dir, 'done')),
    selfCgroup: text(dir, 'self-cgroup')?.trim(),
    systemState: text(dir, 'system-state')?.trim(),
    facts: text(dir, 'facts.txt'),
    loginUptime: num(dir, 'login-uptime'),
    endUptime: num(dir, 'end-uptime'),
    control: {
      stable: text(dir, 'control.stable.diff'),
      changed: text(dir, 'control.changed.diff'),
      restored: text(dir, 'control.restored.diff'),
    },
    copySeconds: num(dir, 'copy.seconds'),
    provision: { status: num(dir, 'provision.status'), seconds: num(dir, 'provision.seconds'), log: text(dir, 'provision.log') },
    list: { status: num(dir, 'list.status'), stderr: text(dir, 'list.stderr'), labs: Array.isArray(labsJson) ? labsJson : undefined },
    doctor: { status: num(dir, 'doctor.status'), output: text(dir, 'doctor.txt') },
    labsRun,
    scenarios: existsSync(join(dir, 'scenarios'))
      ? Object.fromEntries(['reload', 'kill'].map((name) => [name, scenario(join(dir, 'scenarios'), name)]))
      : undefined,
    container: containerCheck(dir),
    labs: ids.map((id) => ({
      id,
      tap: text(labDir, `${id}.tap`),
      stderr: text(labDir, `${id}.stderr`),
      status: num(labDir, `${id}.status`),
      seconds: num(labDir, `${id}.seconds`),
      diff: text(labDir, `${id}.diff`),
      firstDiff: text(labDir, `${id}.first-diff`),
      settleSeconds: num(labDir, `${id}.settle`),
    })),
  };
}

/** @param {string} s */
const escape = (s) => s.replace(/#/g, '\\#').replace(/\n/g, ' ');
/** @param {string | undefined} s @param {number} n */
const lastLines = (s, n) => (s ?? '').replace(/\r/g, '').trimEnd().split('\n').slice(-n).join('\n');

/**
 * A TAP YAML block at `indent`: strings with newlines as literal blocks, others as JSON scalars.
 * @param {number} indent
 * @param {Record<string, unknown>} fields  undefined ones left out
 */
function yaml(indent, fields) {
  const pad = ' '.repeat(indent);
  const lines = [`${pad}  ---`];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string' && value.includes('\n')) {
      lines.push(`${pad}  ${key}: |-`);
      for (const line of value.replace(/\r/g, '').trimEnd().split('\n')) lines.push(`${pad}    ${line}`);
    } else {
      lines.push(`${pad}  ${key}: ${JSON.stringify(value)}`);
    }
  }
  lines.push(`${pad}  ...`);
  return lines;
}

/** Test points of one subtest, numbered in order, as TAP lines at 4 spaces. */
class Points {
  constructor() {
    /** @type {string[]} */
    this.lines = [];
    this.n = 0;
    this.failed = 0;
  }

  /**
   * A test point, with a YAML block of `diag` when it failed.
   * @param {boolean} ok
   * @param {string} description
   * @param {Record<string, unknown>} [diag]
   */
  point(ok, description, diag = {}) {
    this.n++;
    if (!ok) this.failed++;
    this.lines.push(`    ${ok ? 'ok' : 'not ok'} ${this.n} - ${escape(description)}`);
    if (!ok) this.lines.push(...yaml(4, diag));
  }

  /**
   * A comment line.
   * @param {string} line
   */
  comment(line) {
    this.lines.push(`    # ${line}`);
  }

  /**
   * The subtest: header, points, plan, and its closing point in the parent (`number`).
   * @param {number} number
   * @param {string} name
   * @param {number} [ms]  its time
   */
  close(number, name, ms) {
    const time = ms === undefined ? '' : ` # time=${Math.round(ms)}ms`;
    return [`# Subtest: ${name}`, ...this.lines, `    1..${this.n}`, `${this.failed || this.n === 0 ? 'not ok' : 'ok'} ${number} - ${escape(name)}${time}`];
  }
}

// The session scope logind makes for a login: where a learner's shell, and so `sudo lab ...`, runs.
const SESSION_SCOPE = /^0::\/user\.slice\/user-\d+\.slice\/session-[^/]+\.scope$/;

/**
 * The learner's machine: what every lab then runs on.
 * @param {GuestResults} r
 * @param {Points} p
 */
function machinePoints(r, p) {
  /** @param {string} name */
  const fact = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(r.facts ?? '')?.[1];
  p.point(SESSION_SCOPE.test(r.selfCgroup ?? ''), 'the test runs in a logind session scope, as a learner logged in', {
    found: `/proc/self/cgroup: ${r.selfCgroup ?? '(not read)'}`,
    wanted: '0::/user.slice/user-<uid>.slice/session-<n>.scope',
  });
  p.point(r.systemState === 'running', 'systemd finished starting the machine (systemctl is-system-running: running)', {
    found: r.systemState ?? '(not read)',
  });
  const root = fact('/');
  const cgroupFs = fact('/sys/fs/cgroup');
  p.point(
    /\bshared\b/.test(root ?? '') && /^cgroup2\b/.test(cgroupFs ?? ''),
    "/ is mounted shared and cgroup v2 alone is at /sys/fs/cgroup (systemd's defaults)",
    {
      found: `/: ${root ?? '?'}; /sys/fs/cgroup: ${cgroupFs ?? '?'}`,
    },
  );
  const { stable, changed, restored } = r.control;
  p.point(stable === '', 'two host snapshots in a row are equal', { diff: stable ?? '(no snapshot)' });
  const seen = ['sysvm-ctl0', 'sysvm-control', 'sleep 600'].filter((s) => (changed ?? '').includes(s));
  p.point(seen.length === 3, 'the host snapshot sees a dummy link, a cgroup and a sleep made on purpose', {
    found: changed ?? '(no snapshot)',
    wanted: 'sysvm-ctl0, sysvm-control and sleep 600 in the diff',
  });
  p.point(restored === '', 'the host snapshot is as before once they are removed', { diff: restored ?? '(no snapshot)' });
  p.point(r.provision.status === 0, 'sudo scripts/provision.sh: packages found installed, npm ci from the cache, lab linked', {
    found:
      r.provision.status === undefined
        ? `provision.sh did not finish${r.provision.log === undefined ? ' (or start)' : ''}`
        : `exit status ${r.provision.status}`,
    log: lastLines(r.provision.log, 30) || undefined,
  });
  if (r.provision.log !== undefined) {
    p.point(!/==> apt-get update/.test(r.provision.log), 'provision.sh ran no apt-get (every package it needs was already installed)', {
      log: r.provision.log
        .split('\n')
        .filter((l) => l.startsWith('==>'))
        .join('\n'),
    });
  }
  p.point(r.list.status === 0 && Boolean(r.list.labs?.length), 'lab list --json names the labs', {
    found: `exit status ${r.list.status ?? '?'}, ${r.list.labs?.length ?? 'no'} labs`,
    stderr: lastLines(r.list.stderr, 10) || undefined,
  });
  p.point(r.doctor.status === 0, 'sudo lab doctor exits 0', {
    found: `exit status ${r.doctor.status ?? '(did not run)'}`,
    output: r.doctor.output?.trimEnd() || undefined,
  });
  if (r.doctor.output) for (const line of r.doctor.output.trimEnd().split('\n')) p.comment(`doctor: ${escape(line)}`);
}

/**
 * The lab's own TAP (`lab verify <id> --tap`): the lines inside its subtest, its plan left out, and how the lab
 * ended when it has no subtest (it refused to start, or was skipped).
 * @param {string | undefined} tap
 * @param {string} id
 */
export function labTapBody(tap, id) {
  const lines = (tap ?? '').split('\n');
  const start = lines.indexOf(`# Subtest: ${id}`);
  if (start < 0) {
    const skip = lines.map((l) => /^ok \d+ - \S+ # SKIP (.*)$/.exec(l)?.[1]).find(Boolean);
    return { found: false, body: [], skip };
  }
  const body = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('    ')) break;
    if (/^ {4}1\.\.\d+$/.test(line)) continue;
    body.push(line);
  }
  return { found: true, body, skip: undefined };
}

/**
 * One lab: its own points, then the host.
 * @param {LabResult} lab
 * @param {{ ready: boolean, missing: unknown[] } | undefined} listed  what `lab list` said of it
 * @param {number} number
 */
function labSubtest(lab, listed, number) {
  const p = new Points();
  const command = `sudo lab verify ${lab.id} --tap --prove-checks`;
  p.comment(`${command}: ${lab.status === undefined ? 'did not finish' : `exit status ${lab.status}`}, ${lab.seconds ?? '?'} s`);
  const { found, body, skip } = labTapBody(lab.tap, lab.id);
  let innerFailed = 0;
  for (const line of body) {
    const point = /^ {4}(not )?ok (\d+) - (.*)$/.exec(line);
    if (!point) {
      p.lines.push(line);
      continue;
    }
    // Renumbered in this subtest. A check skipped for a missing requirement is a failure here: this VM is
    // built to meet every requirement a lab can have.
    const directive = /^(.*?) # SKIP(?: (.*))?$/.exec(point[3]);
    const ok = !point[1] && !directive;
    if (!ok) innerFailed++;
    p.n++;
    if (!ok) p.failed++;
    p.lines.push(
      directive
        ? `    not ok ${p.n} - ${directive[1]} (skipped: ${directive[2] ?? 'no reason'}; this VM meets every requirement)`
        : `    ${ok ? 'ok' : 'not ok'} ${p.n} - ${point[3]}`,
    );
  }
  const missing = listed?.ready === false ? `lab list says it is not ready here: ${JSON.stringify(listed.missing)}` : undefined;
  if (!found) {
    p.point(false, skip ? `${lab.id} was skipped: ${skip}` : `${command} ran the lab`, {
      found: lab.status === undefined ? 'the VM stopped before this lab ended' : `exit status ${lab.status}, no subtest for ${lab.id} in its TAP`,
      missing,
      tap: lab.tap?.includes('\n  ---') ? lastLines(lab.tap, 15) : undefined,
      stderr: lastLines(lab.stderr, 25) || undefined,
    });
  } else if (lab.status !== 0 && innerFailed === 0) {
    const timedOut = lab.status === 124 || lab.status === 137;
    p.point(false, `${command} exits 0`, {
      found: timedOut ? `killed after the per-lab time limit (timeout exit ${lab.status})` : `exit status ${lab.status ?? '(did not finish)'}`,
      stderr: lastLines(lab.stderr, 25) || undefined,
    });
  } else if (lab.status !== 0) {
    p.comment(`stderr: ${escape(lastLines(lab.stderr, 5))}`);
  }
  const same = lab.diff === '';
  if (lab.settleSeconds !== undefined && same) p.comment(`the host changed, and was as before again ${lab.settleSeconds} s after the lab ended`);
  p.point(same, 'host left as it was', {
    found: lab.diff === undefined ? 'no snapshot after the lab' : 'the host snapshot after the lab (5 s later) differs from the one before',
    diff: lab.diff || undefined,
  });
  return p.close(number, lab.id, lab.seconds === undefined ? undefined : lab.seconds * 1000);
}

/**
 * systemd at work while labs run: cgroup-cpu through a daemon-reload and a unit started mid-lab (the delegated scope
 * keeps its controllers), and cgroup-memory's harness killed with SIGKILL mid-lab, then `lab clean`.
 * @param {Record<string, Scenario>} sc
 * @param {Points} p
 */
function scenarioPoints(sc, p) {
  const { reload, kill } = sc;
  p.point(reload.status === 0, 'sudo lab verify cgroup-cpu passes while systemd reloads (daemon-reload) and starts a unit mid-lab', {
    found: `exit status ${reload.status ?? '(did not finish)'}`,
    facts: reload.facts?.trimEnd(),
    tap: reload.status === 0 ? undefined : lastLines(reload.tap, 20) || undefined,
  });
  const before = /^before: controllers (.*); subtree_control (.*)$/m.exec(reload.facts ?? '');
  const after = /^after: controllers (.*); subtree_control (.*)$/m.exec(reload.facts ?? '');
  /** @param {RegExpExecArray | null} m */
  const kept = (m) => m !== null && ['cpu', 'cpuset'].every((c) => m[1].split(' ').includes(c) && m[2].split(' ').includes(c));
  p.point(
    kept(before) && kept(after),
    "the lab's delegated scope keeps cpu and cpuset, in cgroup.controllers and in its own subtree_control, through the reload",
    {
      facts: reload.facts?.trimEnd() ?? '(no facts)',
    },
  );
  p.point(reload.diff === '', 'host left as it was after it', { diff: reload.diff || undefined });
  p.point(/^killed: \d+$/m.test(kill.facts ?? ''), 'the harness running cgroup-memory was killed with SIGKILL once its scope existed', {
    facts: kill.facts?.trimEnd(),
  });
  p.point(kill.status === 0, 'sudo lab clean then exits 0', {
    found: `exit status ${kill.status ?? '(did not run)'}`,
    output: kill.clean?.trimEnd() || undefined,
  });
  p.point(kill.diff === '', 'host left as it was after lab clean', { diff: kill.diff || undefined });
}

/**
 * `lab container` on the systemd host: each container in a delegated scope of its own, gone after rm and lab clean.
 * @param {ContainerCheck | undefined} c
 * @param {Points} p
 */
function containerPoints(c, p) {
  if (!c) {
    p.point(false, 'the container check ran', { found: 'no results/container: the test stopped before it' });
    return;
  }
  p.comment(`sudo bash guest-container.sh: exit status ${c.status ?? '(did not finish)'}, ${c.seconds ?? '?'} s`);
  for (const point of c.points) p.point(point.ok, point.name, point.ok ? {} : { found: point.found });
  if (c.status !== 0 || c.points.length === 0) {
    p.point(false, 'guest-container.sh ran to its end', {
      found: `exit status ${c.status ?? '?'}, ${c.points.length} points`,
      output: lastLines(c.output, 20) || undefined,
    });
  }
}

/**
 * The TAP of a whole run.
 * @param {GuestResults | undefined} r the guest's results, undefined when none came back
 * @param {{ wanted: string[], whole?: boolean, container?: boolean, header: string[], vm: { ok: boolean, what: string, console?: string } }} meta
 *   wanted: the labs that must each have a result (when empty, those `lab list` named); whole: a run of every lab,
 *   which also has the mid-lab runs (default: when wanted is empty); container: the `lab container` check ran
 *   (default: false); header: comment lines;
 *   vm: whether the VM ran the test to its end
 */
export function systemdTap(r, meta) {
  const out = ['TAP version 14', ...meta.header.map((l) => `# ${l}`)];
  let n = 0;
  const machine = new Points();
  machine.point(meta.vm.ok && Boolean(r?.done), 'the VM booted, logged the learner in, ran the test to its end and powered off', {
    found: meta.vm.what,
    console: meta.vm.console,
  });
  if (r) machinePoints(r, machine);
  out.push(...machine.close(++n, 'a stock systemd host, the learner logged in'));
  if (r) {
    const listed = new Map((r.list.labs ?? []).map((l) => [l.id, l]));
    for (const lab of r.labs) out.push(...labSubtest(lab, listed.get(lab.id), ++n));
  }
  const whole = meta.whole ?? meta.wanted.length === 0;
  if (meta.container === true) {
    const p = new Points();
    containerPoints(r?.container, p);
    out.push(...p.close(++n, 'lab container on a systemd host: a delegated scope of its own per container'));
  }
  if (r && whole) {
    // A whole run also puts systemd to work while labs run.
    const p = new Points();
    if (r.scenarios) scenarioPoints(r.scenarios, p);
    else p.point(false, 'the mid-lab runs took place', { found: 'no results/scenarios: the test stopped before them' });
    out.push(...p.close(++n, 'systemd at work while a lab runs'));
  }
  // A lab lacking only optional things (a VM inside this VM) is not run there: a skip with its reason. `root` is
  // left out: `lab list` runs as the learner, the labs with sudo.
  const lacking = (/** @type {{ missing: string[] }} */ l) => l.missing.filter((m) => m !== 'root');
  const optionalOnly = (r?.list.labs ?? []).filter(
    (l) => (whole || meta.wanted.includes(l.id)) && lacking(l).length > 0 && lacking(l).every((m) => (l.missingOptional ?? []).includes(m)),
  );
  for (const lab of optionalOnly) out.push(`ok ${++n} - ${lab.id} # SKIP lacks only what is optional here: ${lacking(lab).join(', ')}`);
  const skipped = new Set(optionalOnly.map((l) => l.id));
  const expected = new Set([...meta.wanted, ...(!whole ? [] : (r?.list.labs ?? []).map((l) => l.id))].filter((id) => !skipped.has(id)));
  for (const id of [...expected].filter((id) => !r?.labs.some((l) => l.id === id))) {
    out.push(`not ok ${++n} - ${id}`, ...yaml(0, { found: 'did not run: the test stopped before this lab' }));
  }
  out.push(`1..${n}`);
  return `${out.join('\n')}\n`;
}
