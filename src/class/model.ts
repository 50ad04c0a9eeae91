// The class as the instructor sees it, built from the log: per learner the events in order, their current lab and
// step, and per lab how far they got. Pure: the server feeds it records, the page reads its snapshots.
import type { ClassEvent } from './protocol.js';

/** How one learner stands in one lab. */
export interface LabCell {
  /** Steps passed in this lab's latest run, and its step count. */
  stepsPassed: number;
  steps: number;
  /** Whether the latest run of this lab passed every check (lab-done passed). */
  passed: boolean;
  /** Checks failed in this lab, all runs together. */
  failures: number;
}

/** One row of the page. */
export interface LearnerRow {
  name: string;
  lab?: string;
  labTitle?: string;
  step?: string;
  stepTitle?: string;
  index?: number;
  total?: number;
  /** `working`, `passed` (the latest lab passed), `failed` (the latest check or step failed); the page adds `stuck`. */
  status: 'joined' | 'working' | 'passed' | 'failed';
  /** Server time (ms) of the last event: the page calls a learner stuck after N minutes without one. */
  lastAt: number;
  events: number;
  labs: Record<string, LabCell>;
}

/** What the instructor's page shows. */
export interface Snapshot {
  title: string;
  code: string;
  now: number;
  /** Lab ids in catalogue order, with their titles: the columns. */
  labs: { id: string; title: string; order: number }[];
  learners: LearnerRow[];
  /** The steps the most learners failed a check in, most first. */
  hardest: { lab: string; step: string; title: string; learners: number }[];
  events: number;
}

interface Learner {
  row: LearnerRow;
  /** The highest sequence number accepted: a resend at or below it is a duplicate. */
  acked: number;
  timeline: (ClassEvent & { rx: number })[];
  /** `lab/step` keys where this learner failed a check. */
  failedSteps: Set<string>;
}

/** The class in memory. */
export class ClassModel {
  private readonly learners = new Map<string, Learner>();
  private readonly labs = new Map<string, { id: string; title: string; order: number }>();
  private readonly stepTitles = new Map<string, string>();
  private total = 0;

  constructor(
    readonly title: string,
    readonly code: string,
  ) {}

  /** Add a learner who joined (no-op when already known). */
  join(name: string, at: number): void {
    if (this.learners.has(name)) return;
    this.learners.set(name, { row: { name, status: 'joined', lastAt: at, events: 0, labs: {} }, acked: 0, timeline: [], failedSteps: new Set() });
  }

  has(name: string): boolean {
    return this.learners.has(name);
  }

  /** The highest sequence number accepted from `name`. */
  acked(name: string): number {
    return this.learners.get(name)?.acked ?? 0;
  }

  /** The events of a batch that are new (seq above the acked one); duplicates of a resend are left out. */
  fresh(name: string, events: ClassEvent[]): ClassEvent[] {
    const acked = this.acked(name);
    return events.filter((e) => e.seq > acked);
  }

  /** Apply accepted events (already filtered by `fresh`) received at server time `rx`. */
  apply(name: string, events: ClassEvent[], rx: number): void {
    const learner = this.learners.get(name);
    if (!learner) return;
    for (const event of events) {
      if (event.seq <= learner.acked) continue;
      learner.acked = event.seq;
      learner.timeline.push({ ...event, rx });
      this.total++;
      this.applyOne(learner, event);
    }
    learner.row.events = learner.timeline.length;
    learner.row.lastAt = rx;
  }

  private applyOne(learner: Learner, e: ClassEvent): void {
    const row = learner.row;
    const cell = (lab: string) => (row.labs[lab] ??= { stepsPassed: 0, steps: 0, passed: false, failures: 0 });
    switch (e.type) {
      case 'lab-start':
        if (!e.lab) return;
        row.lab = e.lab;
        row.labTitle = e.title;
        row.step = undefined;
        row.stepTitle = undefined;
        row.status = 'working';
        if (!this.labs.has(e.lab) || e.order !== undefined)
          this.labs.set(e.lab, { id: e.lab, title: e.title ?? e.lab, order: e.order ?? this.labs.get(e.lab)?.order ?? 1000 });
        Object.assign(cell(e.lab), { stepsPassed: 0, passed: false });
        return;
      case 'step-start':
        row.step = e.step;
        row.stepTitle = e.title;
        row.index = e.index;
        row.total = e.total;
        row.status = 'working';
        if (row.lab && e.step && e.title) this.stepTitles.set(`${row.lab}/${e.step}`, e.title);
        if (row.lab && e.total !== undefined) cell(row.lab).steps = e.total;
        return;
      case 'check':
        if (e.ok === false && row.lab) {
          row.status = 'failed';
          cell(row.lab).failures++;
          learner.failedSteps.add(`${row.lab}/${e.step ?? row.step ?? '?'}`);
        }
        return;
      case 'step-done':
        if (!row.lab) return;
        if (e.status === 'passed') cell(row.lab).stepsPassed++;
        else if (e.status === 'failed' || e.status === 'error') row.status = 'failed';
        return;
      case 'error':
        row.status = 'failed';
        return;
      case 'lab-done':
        if (!row.lab) return;
        if (e.status === 'passed') {
          row.status = 'passed';
          cell(row.lab).passed = true;
        } else if (e.status === 'failed' || e.status === 'error') row.status = 'failed';
        return;
    }
  }

  /** A learner's events in order, with the server time each arrived. */
  timeline(name: string): (ClassEvent & { rx: number })[] | undefined {
    return this.learners.get(name)?.timeline;
  }

  /** Everything the page shows, now. */
  snapshot(now = Date.now()): Snapshot {
    const counts = new Map<string, number>();
    for (const l of this.learners.values()) for (const key of l.failedSteps) counts.set(key, (counts.get(key) ?? 0) + 1);
    const hardest = [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([key, learners]) => {
        const [lab, step] = key.split('/') as [string, string];
        return { lab, step, title: this.stepTitles.get(key) ?? step, learners };
      });
    return {
      title: this.title,
      code: this.code,
      now,
      labs: [...this.labs.values()].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id)),
      learners: [...this.learners.values()].map((l) => l.row).sort((a, b) => a.name.localeCompare(b.name)),
      hardest,
      events: this.total,
    };
  }
}
