// The learner's side of a class: the membership (`lab class join`), kept in the state directory with mode 0600
// since it holds the learner's secret, and the queue of events not yet acknowledged by the server, an append-only
// file fsynced per event, so that a run on a train, or while the instructor's laptop sleeps, loses nothing.
// Sending never blocks or fails a lab run: short timeouts, and whatever is not acknowledged stays queued for the
// next try (the next event, the end of the run, the next run, or `lab class status`).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import { ensureStateDir, stateDirPath } from '../host/state-dir.js';
import type { ClassEvent } from './protocol.js';

/** A learner's membership of a class. */
export interface Membership {
  /** The server's base URL, `http://10.0.0.5:8080`. */
  url: string;
  code: string;
  name: string;
  secret: string;
  /** The highest sequence number the server acknowledged. */
  acked: number;
  joined: string;
}

/** The most events the queue keeps; beyond it the oldest are dropped (the latest matter most to the instructor). */
export const MAX_QUEUE = 5000;
/** The most events in one post. */
const BATCH = 200;

const membershipFile = () => join(stateDirPath(), 'class.json');
const queueFile = () => join(stateDirPath(), 'class-queue.jsonl');

/** The membership, or undefined when this machine has not joined a class (or cannot read it). */
export function readMembership(): Membership | undefined {
  try {
    return JSON.parse(readFileSync(membershipFile(), 'utf8')) as Membership;
  } catch {
    return undefined;
  }
}

function saveMembership(m: Membership): void {
  ensureStateDir();
  const tmp = `${membershipFile()}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, membershipFile());
}

/** The queued events, oldest first. */
export function readQueue(): ClassEvent[] {
  let text: string;
  try {
    text = readFileSync(queueFile(), 'utf8');
  } catch {
    return [];
  }
  const out: ClassEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as ClassEvent);
    } catch {
      // A line cut short by a crash: skip it.
    }
  }
  return out;
}

/** Replace the queue with `events` (tmp file and rename: a crash leaves the old queue or the new one). */
function writeQueue(events: ClassEvent[]): void {
  const tmp = `${queueFile()}.${process.pid}.tmp`;
  writeFileSync(tmp, events.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
  renameSync(tmp, queueFile());
}

/** Append events to the queue and fsync; past MAX_QUEUE the oldest are dropped. */
export function enqueue(events: ClassEvent[]): void {
  ensureStateDir();
  const fd = openSync(queueFile(), 'a', 0o600);
  try {
    writeSync(fd, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Trim the queue to its bound, keeping the newest events. */
export function boundQueue(): void {
  const queue = readQueue();
  if (queue.length > MAX_QUEUE) writeQueue(queue.slice(queue.length - MAX_QUEUE));
}

/** The next sequence number: after every queued and every acknowledged one. */
export function nextSeq(m: Membership): number {
  const queue = readQueue();
  return Math.max(m.acked, queue.length ? queue[queue.length - 1]!.seq : 0) + 1;
}

/** What a flush did. */
export interface FlushResult {
  sent: number;
  left: number;
  /** Why it stopped early: unreachable, refused (with the server's words), rate-limited. */
  problem?: string;
}

/** Send the queue, oldest first, in batches; drop what the server acknowledged. Never throws. */
export async function flushQueue(timeoutMs = 2000): Promise<FlushResult> {
  const m = readMembership();
  if (!m) return { sent: 0, left: 0 };
  let sent = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const queue = readQueue().filter((e) => e.seq > m.acked);
    if (queue.length === 0) {
      writeQueue([]);
      return { sent, left: 0 };
    }
    const batch = queue.slice(0, BATCH);
    let res: Response;
    try {
      res = await fetch(new URL('/api/events', m.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${m.secret}` },
        body: JSON.stringify({ code: m.code, name: m.name, events: batch }),
        signal: AbortSignal.timeout(Math.max(200, deadline - Date.now())),
      });
    } catch (error) {
      return {
        sent,
        left: queue.length,
        problem: `unreachable: ${(error as Error).cause ? String((error as { cause: unknown }).cause) : (error as Error).message}`,
      };
    }
    const body = (await res.json().catch(() => ({}))) as { acked?: number; error?: string };
    if (!res.ok || typeof body.acked !== 'number') return { sent, left: queue.length, problem: `${res.status} ${body.error ?? ''}`.trim() };
    m.acked = Math.max(m.acked, body.acked);
    const rest = readQueue().filter((e) => e.seq > m.acked);
    writeQueue(rest);
    // Save the ack only if the membership is still there (`lab class leave` may have run meanwhile).
    const now = readMembership();
    if (now && now.secret === m.secret) saveMembership({ ...now, acked: Math.max(now.acked, m.acked) });
    sent += batch.length;
    if (Date.now() >= deadline) return { sent, left: rest.length };
  }
}

/** Join a class: ask the server for this learner's secret, then keep the membership. */
export async function joinClass(url: string, code: string, name: string): Promise<Membership> {
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw classError(
      `lab class join ${url}`,
      'bad-url',
      { en: 'This is not an http:// URL.', zh: '这不是 http:// 地址。' },
      {
        en: 'Copy the join line the instructor shows, e.g. `lab class join http://10.0.0.5:8080 --name ada --code K7QD2M`.',
        zh: '照抄讲师展示的加入命令，例如 `lab class join http://10.0.0.5:8080 --name ada --code K7QD2M`。',
      },
    );
  }
  const old = readMembership();
  const again = old && old.url === base.origin && old.name === name && old.code === code ? old : undefined;
  let res: Response;
  try {
    res = await fetch(new URL('/api/join', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code, name, ...(again ? { secret: again.secret } : {}) }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (cause) {
    throw classError(
      `POST ${base.origin}/api/join`,
      'unreachable',
      { en: 'The class server does not answer.', zh: '课堂服务器没有响应。' },
      {
        en: 'Check the address with the instructor, and that this machine can reach it (same network, no firewall in between).',
        zh: '向讲师核对地址，并确认本机能访问它（同一网络，中间没有防火墙）。',
      },
      cause,
    );
  }
  const body = (await res.json().catch(() => ({}))) as { secret?: string; acked?: number; error?: string; message?: Text };
  if (!res.ok || typeof body.secret !== 'string')
    throw classError(
      `POST ${base.origin}/api/join`,
      body.error ?? `http-${res.status}`,
      body.message ?? { en: `The server answered ${res.status}.`, zh: `服务器返回 ${res.status}。` },
      {
        en: 'Check the class code and choose a name nobody else in the class uses.',
        zh: '核对课堂码，并选一个课堂里没人用的名字。',
      },
    );
  if (old && !again) leaveClass();
  const m: Membership = {
    url: base.origin,
    code,
    name,
    secret: body.secret,
    acked: Math.max(again?.acked ?? 0, body.acked ?? 0),
    joined: new Date().toISOString(),
  };
  saveMembership(m);
  return m;
}

/** Leave the class: forget the membership and the queue. Returns the membership there was. */
export function leaveClass(): Membership | undefined {
  const m = readMembership();
  rmSync(membershipFile(), { force: true });
  rmSync(queueFile(), { force: true });
  return m;
}

function classError(operation: string, code: string, meaning: Text, fix: Text, cause?: unknown): LabError {
  return new LabError({ operation, code, meaning, fix, cause });
}
