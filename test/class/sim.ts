// Simulated learners for the class tests: join over HTTP, then post a whole lab's events in batches, as
// src/class/member.ts does (a batch per step), and a server to post them to.
import type { AddressInfo } from 'node:net';
import { openClassServer, type ClassServer, type ClassServerOptions } from '../../src/class/server.js';
import type { ClassEvent } from '../../src/class/protocol.js';

/** A server listening on a free loopback port, and its base URL. */
export async function startServer(options: ClassServerOptions): Promise<{ cls: ClassServer; url: string }> {
  const cls = openClassServer(options);
  await new Promise<void>((resolve) => cls.server.listen(0, '127.0.0.1', () => resolve()));
  return { cls, url: `http://127.0.0.1:${(cls.server.address() as AddressInfo).port}` };
}

/** The same server again on a given port (after a restart). */
export async function startServerOn(options: ClassServerOptions, port: number): Promise<ClassServer> {
  const cls = openClassServer(options);
  await new Promise<void>((resolve) => cls.server.listen(port, '127.0.0.1', () => resolve()));
  return cls;
}

/** The events of a whole lab run as the reporter sends them, in batches (one per step), numbered from `from`. */
export function wholeLab(lab = 'uts-namespace', order = 2, steps = 5, failAt = -1, from = 1): ClassEvent[][] {
  let seq = from;
  const at = () => Date.now();
  const batches: ClassEvent[][] = [[{ seq: seq++, at: at(), type: 'lab-start', lab, order, title: `Lab ${lab}`, mode: 'run', runId: 'r1' }]];
  for (let i = 0; i < steps; i++) {
    const step = `step-${i + 1}`;
    const ok = i !== failAt;
    batches.push([
      { seq: seq++, at: at(), type: 'step-start', step, title: `Step ${i + 1}`, index: i, total: steps },
      { seq: seq++, at: at(), type: 'check', step, check: `${step}-a`, title: 'first fact', ok: true },
      { seq: seq++, at: at(), type: 'check', step, check: `${step}-b`, title: 'second fact', ok },
      { seq: seq++, at: at(), type: 'step-done', step, status: ok ? 'passed' : 'failed' },
    ]);
    if (!ok) break;
  }
  const passed = failAt < 0;
  batches.push([
    { seq: seq++, at: at(), type: 'lab-done', lab, status: passed ? 'passed' : 'failed', checksPassed: 0, checksFailed: passed ? 0 : 1, stepsPassed: 0, steps },
  ]);
  return batches;
}

/** POST JSON; the status and the parsed answer. */
export async function post(url: string, body: unknown, secret?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const send = () =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(secret ? { Authorization: `Bearer ${secret}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  // A kept-alive connection to a server that restarted fails once; a client sends again, as member.ts does later.
  const res = await send().catch(() => send());
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** GET with the instructor token. */
export async function get(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Join as `name`; the learner's secret. */
export async function joinAs(url: string, code: string, name: string): Promise<string> {
  const r = await post(`${url}/api/join`, { code, name });
  if (r.status !== 200) throw new Error(`join ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.secret as string;
}

/** Post batches one after another; the statuses. */
export async function postAll(url: string, code: string, name: string, secret: string, batches: ClassEvent[][]): Promise<number[]> {
  const statuses: number[] = [];
  for (const events of batches) statuses.push((await post(`${url}/api/events`, { code, name, events }, secret)).status);
  return statuses;
}
