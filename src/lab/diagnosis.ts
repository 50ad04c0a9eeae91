// What `lab doctor` finds: the host's facts (gathered once) and, built from them, findings in both languages,
// each with why a lab needs the thing and how to get it. The CLI only chooses a language and prints.
import { release } from 'node:os';
import { CGROUP_ROOT, readCgroupLayout, readV2Controllers, type CgroupLayout } from '../kernel/cgroup-mode.js';
import {
  findOnPath,
  probeDelegation,
  probeKvm,
  probeNamespaces,
  probeOverlayfs,
  probeUtilLinux,
  type DelegationProbe,
  type NamespaceProbe,
  type OverlaySource,
} from '../host/probe.js';
import { readInitSystem, type InitSystem } from '../kernel/init-system.js';
import { LabError } from '../common/errors.js';
import { listLabIds, loadLab } from './load.js';
import { allRequirements, controllerFix, isOptional, unmet, type Requirement } from './requirements.js';
import type { RequirementId, Text } from './spec.js';
import * as say from './diagnosis-text.js';
import { requireV2Controllers } from '../host/cgroup.js';
import { labInitPath } from '../host/install.js';
import { blockingUsernsSysctls, readUsernsSysctls, type SysctlValue } from '../kernel/userns-sysctl.js';

const join2 = (a: Text, b: Text): Text => ({ en: `${a.en} ${b.en}`, zh: `${a.zh}${b.zh}` });

/** Controllers the cgroup v2 labs write to (memory.max, cpu.max, cpuset.cpus, pids.max, io.max). */
export const V2_LAB_CONTROLLERS = ['memory', 'cpu', 'cpuset', 'pids', 'io'];

/** Whether one lab can run here. */
export interface LabStatus {
  id: string;
  /** Every requirement met and the lab loads. */
  ready: boolean;
  /** What the lab declares (`spec.requires`); empty when it cannot be loaded. */
  requires: RequirementId[];
  /** Requirements this host does not meet. */
  unmet: RequirementId[];
  /** Why the lab could not be loaded at all (a malformed lab). */
  error?: Text;
}

/** Everything `lab doctor` learned about the host. */
export interface HostFacts {
  uid: number | undefined;
  root: boolean;
  /** `uname -r`. */
  kernel: string;
  /** From `unshare --version`; undefined when unshare does not run. */
  utilLinux: string | undefined;
  namespaces: NamespaceProbe[];
  /** The sysctls that govern unprivileged user namespaces, those this kernel has (under LAB_PROC_SYS if set). */
  userns: SysctlValue[];
  cgroup: CgroupLayout & { v2Controllers: string[] | undefined };
  /** PID 1, and whether systemd owns the cgroup tree. */
  init: InitSystem;
  /** On a systemd host with cgroup v2: what a delegated scope really gets, asked of systemd. */
  delegation: DelegationProbe | undefined;
  overlayfs: OverlaySource | undefined;
  busybox: string | undefined;
  qemu: string | undefined;
  /** lab-init (native/lab-init.c), when built: `lab container run` sets a container up in one process. */
  labInit: string | undefined;
  kvm: { present: boolean; usable: boolean };
  requirements: { id: RequirementId; met: boolean }[];
  labs: LabStatus[];
}

/** `ok` ✓, `missing` ✗, `info` – (a fact, neither good nor bad). */
export type Status = 'ok' | 'missing' | 'info';
export type Section = 'host' | 'namespaces' | 'cgroup' | 'tools' | 'requirements' | 'labs';

/** One line of the report. */
export interface Finding {
  section: Section;
  id: string;
  status: Status;
  text: Text;
  /** For a missing item: why a lab needs it. */
  why?: Text;
  /** For a missing item (or an info item with advice): how to get it. */
  fix?: Text;
  /** The labs that need this item; empty when no current lab does (then it does not change the exit status). */
  neededBy: string[];
}

/** Load every lab separately, so that one malformed lab does not hide the others. */
async function labStatuses(): Promise<LabStatus[]> {
  const ids = listLabIds();
  const loaded = await Promise.allSettled(ids.map((id) => loadLab(id)));
  const rows = loaded.map((result, i): LabStatus & { order: number } => {
    const id = ids[i]!;
    if (result.status === 'rejected') {
      const error = result.reason;
      const text = error instanceof LabError ? error.meaning : { en: String(error), zh: String(error) };
      return { id, ready: false, requires: [], unmet: [], error: text, order: Infinity };
    }
    const { requires, order } = result.value.spec;
    const missing = unmet(requires).map((req) => req.id);
    return { id, ready: missing.length === 0, requires, unmet: missing, order };
  });
  return rows.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id)).map(({ order: _, ...row }) => row);
}

/** Probe the host: the commands run in parallel, the file reads are instant. */
export async function gatherFacts(): Promise<HostFacts> {
  const layout = readCgroupLayout();
  const init = readInitSystem();
  const v2Root = layout.v2Path;
  const [utilLinux, namespaces, labs, delegation] = await Promise.all([
    probeUtilLinux(),
    probeNamespaces(),
    labStatuses(),
    init.manager === 'systemd' && v2Root !== undefined && process.getuid?.() === 0 ? probeDelegation(v2Root) : undefined,
  ]);
  const uid = process.getuid?.();
  return {
    uid,
    root: uid === 0,
    kernel: release(),
    utilLinux,
    namespaces,
    userns: readUsernsSysctls(),
    cgroup: { ...layout, v2Controllers: layout.v2Path ? readV2Controllers(layout.v2Path) : undefined },
    init,
    delegation,
    overlayfs: probeOverlayfs(),
    busybox: findOnPath('busybox'),
    qemu: findOnPath('qemu-system-x86_64'),
    labInit: labInitPath(),
    kvm: probeKvm(),
    requirements: allRequirements().map((r) => ({ id: r.id, met: r.met() })),
    labs,
  };
}

/**
 * The requirement id an item stands for, so that its `neededBy` names the labs that declare it. The item
 * `cgroup-v2` is about the controllers on v2 the cgroup labs need: it names every lab that declares one of the
 * `cgroup2-<controller>` requirements (a lab that needs only a v2 hierarchy declares `cgroup2`). `overlayfs` is
 * no requirement yet (no lab declares it, so the item names no lab); the ids are checked against the table.
 */
const REQUIREMENT_OF: Record<string, RequirementId | 'cgroup2-controllers' | 'overlayfs'> = {
  root: 'root',
  'util-linux': 'unshare',
  'ns-pid': 'ns-pid',
  'ns-mnt': 'ns-mnt',
  'userns-unprivileged': 'userns-unprivileged',
  'cgroup-v2': 'cgroup2-controllers',
  'cgroup-delegation': 'cgroup2-controllers',
  overlayfs: 'overlayfs',
  busybox: 'busybox',
};

/** Every finding, in report order. Pure: the same facts give the same findings. */
export function findingsOf(facts: HostFacts): Finding[] {
  const neededBy = (requirement: string | undefined): string[] =>
    requirement === undefined
      ? []
      : facts.labs
          .filter((lab) => (lab.requires as string[]).some((id) => id === requirement || (requirement === 'cgroup2-controllers' && id.startsWith('cgroup2-'))))
          .map((lab) => lab.id);
  const item = (section: Section, id: string, status: Status, text: Text, more: Partial<Finding> = {}): Finding => ({
    section,
    id,
    status,
    text,
    ...more,
    neededBy: more.neededBy ?? neededBy(REQUIREMENT_OF[id]),
  });
  const findings: Finding[] = [
    facts.root ? item('host', 'root', 'ok', say.root.yes) : item('host', 'root', 'missing', say.root.no(facts.uid), { why: say.root.why, fix: say.root.fix }),
    item('host', 'kernel', 'info', say.kernel(facts.kernel)),
    facts.utilLinux
      ? item('host', 'util-linux', 'ok', say.utilLinux.found(facts.utilLinux))
      : item('host', 'util-linux', 'missing', say.utilLinux.missing, { why: say.utilLinux.why, fix: say.utilLinux.fix }),
  ];
  for (const probe of facts.namespaces) {
    const id = `ns-${probe.type}`;
    if (probe.ok) findings.push(item('namespaces', id, 'ok', say.namespace.works(probe)));
    else findings.push(item('namespaces', id, 'missing', say.namespace.fails(probe), say.namespace.advice(probe, facts.root)));
  }
  findings.push(
    blockingUsernsSysctls(facts.userns).length
      ? item('namespaces', 'userns-unprivileged', 'missing', say.userns.blocked(facts.userns), say.userns.advice(facts.userns))
      : item('namespaces', 'userns-unprivileged', 'ok', say.userns.allowed(facts.userns)),
  );
  findings.push(...cgroupFindings(facts, item));
  findings.push(
    facts.overlayfs
      ? item('tools', 'overlayfs', 'ok', say.overlayfs.found(facts.overlayfs))
      : item('tools', 'overlayfs', 'missing', say.overlayfs.missing(facts.kernel), { why: say.overlayfs.why, fix: say.overlayfs.fix }),
    facts.busybox
      ? item('tools', 'busybox', 'ok', say.busybox.found(facts.busybox))
      : item('tools', 'busybox', 'missing', say.busybox.missing, { why: say.busybox.why, fix: say.busybox.fix }),
    item('tools', 'qemu', 'info', say.qemu(facts.qemu), facts.qemu ? {} : { fix: say.qemuFix }),
    item('tools', 'lab-init', 'info', say.labInit(facts.labInit), facts.labInit ? {} : { fix: say.labInitFix }),
    item('tools', 'kvm', 'info', say.kvm(facts.kvm)),
  );
  for (const req of allRequirements()) {
    const met = facts.requirements.find((r) => r.id === req.id)?.met ?? false;
    const needed = neededBy(req.id);
    findings.push(
      met
        ? item('requirements', `req-${req.id}`, 'ok', req.what, { neededBy: needed })
        : item('requirements', `req-${req.id}`, req.optional === true ? 'info' : 'missing', req.what, {
            why: req.why,
            fix: fixOf(req, facts),
            neededBy: needed,
          }),
    );
  }
  for (const lab of facts.labs) {
    const what = Object.fromEntries(
      (['en', 'zh'] as const).map((lang) => [lang, lab.unmet.map((id) => allRequirements().find((r) => r.id === id)?.what[lang] ?? id)]),
    ) as Record<'en' | 'zh', string[]>;
    findings.push(
      lab.ready
        ? item('labs', lab.id, 'ok', say.lab.ready(lab.id), { neededBy: [lab.id] })
        : lab.error
          ? item('labs', lab.id, 'missing', say.lab.broken(lab.id), { why: lab.error, fix: say.lab.brokenFix, neededBy: [lab.id] })
          : item('labs', lab.id, onlyOptional(lab) ? 'info' : 'missing', say.lab.notReady(lab.id, what), { fix: say.lab.notReadyFix, neededBy: [lab.id] }),
    );
  }
  return findings;
}

/** A requirement's fix for the host the facts describe (a v2 controller's depends on how the host mounts cgroups). */
function fixOf(req: Requirement, facts: HostFacts): Text {
  const controller = /^cgroup2-(.+)$/.exec(req.id)?.[1];
  return controller === undefined ? req.fix : controllerFix(controller, facts.cgroup, facts.cgroup.v2Controllers ?? []);
}

type Item = (section: Section, id: string, status: Status, text: Text, more?: Partial<Finding>) => Finding;

/**
 * The cgroup section. Whether the cgroup labs can run is decided by the same requirements the labs declare, so the
 * report never says ✓ in one line and ✗ in another; the advice fits how this host is set up.
 */
function cgroupFindings(facts: HostFacts, item: Item): Finding[] {
  const { mode, v2Path, v2Controllers, v1Controllers } = facts.cgroup;
  const findings = [item('cgroup', 'cgroup-mode', 'info', say.cgroup.mode(mode, v2Path, v1Controllers))];
  if (v2Path !== undefined) {
    findings.push(item('cgroup', 'cgroup-v2-controllers', 'info', say.cgroup.controllers(v2Path, v2Controllers)));
  }
  findings.push(item('cgroup', 'init-system', 'info', say.cgroup.init(facts.init)));
  const { delegation } = facts;
  if (delegation !== undefined) {
    // Only what the kernel offers can be delegated: a controller missing at the root is reported below.
    const wanted = V2_LAB_CONTROLLERS.filter((c) => (v2Controllers ?? []).includes(c));
    const missing = wanted.filter((c) => !(delegation.controllers ?? []).includes(c));
    findings.push(
      delegation.controllers !== undefined && missing.length === 0
        ? item('cgroup', 'cgroup-delegation', 'ok', say.cgroup.delegated(delegation.controllers))
        : item('cgroup', 'cgroup-delegation', 'missing', say.cgroup.notDelegated(delegation, missing), {
            why: say.cgroup.delegationWhy,
            fix: say.cgroup.delegationFix,
          }),
    );
  }
  const met = (c: string): boolean => facts.requirements.find((r) => r.id === `cgroup2-${c}`)?.met ?? false;
  const lacking = V2_LAB_CONTROLLERS.filter((c) => !met(c));
  if (lacking.length === 0) {
    findings.push(item('cgroup', 'cgroup-v2', 'ok', say.cgroup.ready(v2Path ?? CGROUP_ROOT, facts.init.manager)));
    return findings;
  }
  const onV1 = lacking.filter((c) => v1Controllers.includes(c));
  // Offered by the v2 root but not passed down: only where no systemd hands out cgroups.
  const notPassed = lacking.filter((c) => (v2Controllers ?? []).includes(c));
  const notOffered = lacking.filter((c) => !notPassed.includes(c));
  let explained: { why: Text; fix: Text } = { why: say.cgroup.why, fix: say.cgroup.fix };
  if (notOffered.length > 0) {
    // The same explanation a lab gives when it stops for a missing controller (how this host mounts cgroups).
    try {
      requireV2Controllers(notOffered, facts.cgroup, v2Controllers);
    } catch (error) {
      if (error instanceof LabError) explained = { why: join2(say.cgroup.why, error.meaning), fix: error.fix };
    }
  } else {
    explained = { why: say.cgroup.notPassedWhy, fix: say.cgroup.notPassedFix(v2Path ?? CGROUP_ROOT, notPassed) };
  }
  findings.push(item('cgroup', 'cgroup-v2', 'missing', say.cgroup.notReady(lacking, onV1, notPassed), explained));
  return findings;
}

/** Whether a lab that cannot run lacks only optional things (qemu and a VM kernel): it does not fail `lab doctor`. */
export function onlyOptional(lab: LabStatus): boolean {
  return !lab.ready && lab.error === undefined && lab.unmet.length > 0 && lab.unmet.every(isOptional);
}

/** Every finding with the facts behind it; `ok` when every lab can run here (the exit status of `lab doctor`). */
export async function diagnose(): Promise<{ ok: boolean; facts: HostFacts; findings: Finding[] }> {
  const facts = await gatherFacts();
  return { ok: facts.labs.every((lab) => lab.ready || onlyOptional(lab)), facts, findings: findingsOf(facts) };
}
