// What a learner's machine sends to the class server, and the server's checks on it. Only the runner's progress
// travels: which lab, which step, which check passed or failed. Never a command, its output, a file's contents or a
// check's `found` text (those may hold paths and names from the learner's machine, and the instructor does not need
// them to see who is stuck where). The server keeps only the fields listed here, so a modified client cannot make
// it store anything else.

import type { Text } from '../common/vocabulary.js';

/** One event as it travels: the client's sequence number (1, 2, ...: resends are idempotent), the time it happened. */
export interface ClassEvent {
  seq: number;
  /** Milliseconds since the epoch, on the learner's clock. */
  at: number;
  type: 'lab-start' | 'step-start' | 'check' | 'step-done' | 'lab-done' | 'error';
  lab?: string;
  /** The lab's place in the catalogue (lab-start), so that the page orders its columns as `lab list` does. */
  order?: number;
  title?: string;
  runId?: string;
  mode?: string;
  step?: string;
  index?: number;
  total?: number;
  check?: string;
  ok?: boolean;
  status?: string;
  code?: string;
  checksPassed?: number;
  checksFailed?: number;
  stepsPassed?: number;
  steps?: number;
}

/** A batch as POST /api/events takes it. */
export interface EventBatch {
  code: string;
  name: string;
  events: ClassEvent[];
}

/** The most a request body may be; larger ones get 413 before they are read. */
export const MAX_BODY_BYTES = 256 * 1024;
/** The most events in one batch. */
export const MAX_BATCH_EVENTS = 500;

const TYPES = new Set(['lab-start', 'step-start', 'check', 'step-done', 'lab-done', 'error']);
const STRINGS = ['lab', 'title', 'runId', 'mode', 'step', 'check', 'status', 'code'] as const;
const NUMBERS = ['order', 'index', 'total', 'checksPassed', 'checksFailed', 'stepsPassed', 'steps'] as const;

/** A learner's name: letters, digits, spaces, dots, dashes and underscores, 1 to 40 characters. */
export function isLearnerName(name: unknown): name is string {
  return typeof name === 'string' && name.length >= 1 && name.length <= 40 && /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u.test(name);
}

/** The problem with a batch, or the batch reduced to the fields the server keeps. */
export function readBatch(body: unknown): { problem: Text } | { batch: EventBatch } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problem: { en: 'the body is not a JSON object', zh: '请求体不是 JSON 对象' } };
  const { code, name, events } = body as Record<string, unknown>;
  if (typeof code !== 'string') return { problem: { en: '`code` is missing', zh: '缺少 `code`' } };
  if (!isLearnerName(name)) return { problem: { en: '`name` is missing or not a learner name', zh: '缺少 `name`，或它不是合法的学员名' } };
  if (!Array.isArray(events) || events.length === 0) return { problem: { en: '`events` is not a non-empty array', zh: '`events` 不是非空数组' } };
  if (events.length > MAX_BATCH_EVENTS)
    return { problem: { en: `more than ${MAX_BATCH_EVENTS} events in one batch`, zh: `一个批次超过 ${MAX_BATCH_EVENTS} 个事件` } };
  const kept: ClassEvent[] = [];
  let last = 0;
  for (const [i, raw] of events.entries()) {
    const event = readEvent(raw);
    if ('en' in event) return { problem: { en: `events[${i}]: ${event.en}`, zh: `events[${i}]：${event.zh}` } };
    if (event.seq <= last)
      return { problem: { en: `events[${i}]: seq ${event.seq} does not follow ${last}`, zh: `events[${i}]：seq ${event.seq} 没有接在 ${last} 之后` } };
    last = event.seq;
    kept.push(event);
  }
  return { batch: { code, name, events: kept } };
}

/** One event reduced to the known fields, or what is wrong with it. */
function readEvent(raw: unknown): ClassEvent | Text {
  if (typeof raw !== 'object' || raw === null) return { en: 'not an object', zh: '不是对象' };
  const e = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return { en: '`seq` is not a positive integer', zh: '`seq` 不是正整数' };
  if (typeof e.at !== 'number' || !Number.isFinite(e.at)) return { en: '`at` is not a time', zh: '`at` 不是时间' };
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) return { en: '`type` is not a progress event', zh: '`type` 不是进度事件' };
  const out: Record<string, unknown> = { seq: e.seq, at: e.at, type: e.type };
  for (const key of STRINGS) {
    if (e[key] === undefined) continue;
    if (typeof e[key] !== 'string' || (e[key] as string).length > 200) return { en: `\`${key}\` is not a short string`, zh: `\`${key}\` 不是短字符串` };
    out[key] = e[key];
  }
  for (const key of NUMBERS) {
    if (e[key] === undefined) continue;
    if (!Number.isSafeInteger(e[key])) return { en: `\`${key}\` is not an integer`, zh: `\`${key}\` 不是整数` };
    out[key] = e[key];
  }
  if (e.ok !== undefined) {
    if (typeof e.ok !== 'boolean') return { en: '`ok` is not a boolean', zh: '`ok` 不是布尔值' };
    out.ok = e.ok;
  }
  return out as unknown as ClassEvent;
}
