// The class server (`lab class serve`): node's own http, no framework. Learners join with the class code and get a
// secret of their own; with it they post batches of progress events, and read back nothing but their own ack. The
// instructor's token opens the snapshot, the live stream (server-sent events) and the page's data. Every accepted
// batch is on disk (src/class/store.ts) before it is acknowledged; a rejected request changes nothing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Text } from '../common/vocabulary.js';
import { ClassModel } from './model.js';
import { classPage } from './page.js';
import { isLearnerName, MAX_BODY_BYTES, readBatch, type ClassEvent } from './protocol.js';
import { ClassLog } from './store.js';

/** What a class is, kept in `class.json` beside its log so that a restart keeps the code and the token. */
export interface ClassInfo {
  code: string;
  title: string;
  token: string;
  created: string;
}

export interface ClassServerOptions {
  /** The data directory (created 0700): class.json and events.jsonl. */
  dir: string;
  /** The title of a new class (an existing one keeps its own). */
  title?: string;
  /** The class code of a new class (default: six random letters and digits). */
  code?: string;
  /** Per-learner rate limit: a bucket of `burst` requests refilled at `perSecond`. */
  rate?: { burst: number; perSecond: number };
}

/** A running class server. */
export interface ClassServer {
  server: Server;
  info: ClassInfo;
  model: ClassModel;
  /** Stop: end the live streams, stop listening, close the log. */
  close(): Promise<void>;
}

/** Letters and digits that cannot be misread on a slide (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A fresh class code. */
export function newClassCode(): string {
  return [...randomBytes(6)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/** Read `class.json` in `dir`, or write a new one. */
export function classInfo(dir: string, title?: string, code?: string): ClassInfo {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'class.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ClassInfo;
  const info: ClassInfo = {
    code: code ?? newClassCode(),
    title: title ?? 'Linux containers workshop',
    token: randomBytes(16).toString('hex'),
    created: new Date().toISOString(),
  };
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return info;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Compare secrets in constant time. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An error answer: the status, a machine-readable code and what it means in both languages. */
class Refusal {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly message: Text,
  ) {}
}

const REFUSE = {
  notFound: new Refusal(404, 'not-found', { en: 'No such page or endpoint.', zh: '没有这个页面或接口。' }),
  method: new Refusal(405, 'method-not-allowed', { en: 'This endpoint does not take this method.', zh: '这个接口不接受这种请求方法。' }),
  tooLarge: new Refusal(413, 'too-large', {
    en: `The body is larger than ${MAX_BODY_BYTES} bytes; send fewer events at a time.`,
    zh: `请求体超过 ${MAX_BODY_BYTES} 字节；请每次少发一些事件。`,
  }),
  notJson: new Refusal(400, 'malformed', { en: 'The body is not JSON.', zh: '请求体不是 JSON。' }),
  badCode: new Refusal(403, 'wrong-code', { en: 'This is not the code of this class.', zh: '这不是本课堂的课堂码。' }),
  noSecret: new Refusal(401, 'no-credentials', {
    en: 'The request carries no credentials (Authorization: Bearer ...).',
    zh: '请求没有带凭据（Authorization: Bearer ...）。',
  }),
  badSecret: new Refusal(403, 'wrong-credentials', {
    en: 'These credentials do not belong to this learner or this class.',
    zh: '这个凭据不属于这位学员或本课堂。',
  }),
  nameTaken: new Refusal(409, 'name-taken', {
    en: 'Another learner joined with this name; choose another one.',
    zh: '已有学员用这个名字加入；请换一个名字。',
  }),
  rate: new Refusal(429, 'rate-limited', { en: 'Too many requests from this learner; wait a moment.', zh: '这位学员的请求太多；请稍等。' }),
  disk: new Refusal(503, 'not-stored', {
    en: 'The server could not store the events; they were not accepted.',
    zh: '服务器无法保存这些事件；它们没有被接受。',
  }),
};

/** Start a class server over the data directory `dir` (replaying its log); listening is up to the caller. */
export function openClassServer(options: ClassServerOptions): ClassServer {
  const info = classInfo(options.dir, options.title, options.code);
  const model = new ClassModel(info.title, info.code);
  const secrets = new Map<string, string>();
  /** The highest sequence number taken per learner, including batches still being written. */
  const claimed = new Map<string, number>();
  const { log, records } = ClassLog.open(options.dir);
  for (const record of records) {
    if (record.k === 'join') {
      secrets.set(record.name, record.secret);
      model.join(record.name, record.at);
    } else model.apply(record.name, record.events, record.rx);
  }
  for (const name of secrets.keys()) claimed.set(name, model.acked(name));

  const rate = options.rate ?? { burst: 60, perSecond: 20 };
  const buckets = new Map<string, { tokens: number; at: number }>();
  const allow = (name: string): boolean => {
    const now = Date.now();
    const b = buckets.get(name) ?? { tokens: rate.burst, at: now };
    b.tokens = Math.min(rate.burst, b.tokens + ((now - b.at) / 1000) * rate.perSecond);
    b.at = now;
    buckets.set(name, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  // The live streams: each gets the snapshot on connect, then at most one new snapshot every 200 ms.
  const streams = new Set<ServerResponse>();
  let pushTimer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (pushTimer || streams.size === 0) return;
    pushTimer = setTimeout(() => {
      pushTimer = undefined;
      const data = `event: snapshot\ndata: ${JSON.stringify(model.snapshot())}\n\n`;
      for (const s of streams) s.write(data);
    }, 200);
  };
  const heartbeat = setInterval(() => {
    for (const s of streams) s.write(': keep-alive\n\n');
  }, 20_000);
  heartbeat.unref();

  const instructor = (req: IncomingMessage, url: URL): boolean => {
    const given = bearer(req) ?? url.searchParams.get('token') ?? '';
    return same(given, info.token);
  };

  async function join(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const { code, name, secret } = (body ?? {}) as Record<string, unknown>;
    if (typeof code !== 'string' || !isLearnerName(name))
      throw new Refusal(400, 'malformed', {
        en: 'Send {"code", "name"}; a name is 1 to 40 letters, digits, spaces, . _ -.',
        zh: '请发送 {"code", "name"}；名字为 1 到 40 个字母、数字、空格或 . _ -。',
      });
    if (!same(code, info.code)) throw REFUSE.badCode;
    const known = secrets.get(name);
    if (known) {
      // Joining again from the same machine (it still has its secret) is fine; taking someone's name is not.
      if (typeof secret !== 'string' || !same(hash(secret), known)) throw REFUSE.nameTaken;
      return answer(res, 200, { name, secret, acked: model.acked(name) });
    }
    const fresh = randomBytes(24).toString('hex');
    const at = Date.now();
    secrets.set(name, hash(fresh));
    claimed.set(name, 0);
    try {
      await log.append({ k: 'join', name, secret: hash(fresh), at });
    } catch {
      secrets.delete(name);
      throw REFUSE.disk;
    }
    model.join(name, at);
    changed();
    answer(res, 200, { name, secret: fresh, acked: 0 });
  }

  async function events(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = readBatch(await readJson(req));
    if ('problem' in read) throw new Refusal(400, 'malformed', { en: `Malformed batch: ${read.problem.en}.`, zh: `批次格式有误：${read.problem.zh}。` });
    const { batch } = read;
    if (!same(batch.code, info.code)) throw REFUSE.badCode;
    const secret = bearer(req);
    if (!secret) throw REFUSE.noSecret;
    const known = secrets.get(batch.name);
    if (!known || !same(hash(secret), known)) throw REFUSE.badSecret;
    if (!allow(batch.name)) {
      res.setHeader('Retry-After', '1');
      throw REFUSE.rate;
    }
    const before = claimed.get(batch.name) ?? 0;
    const fresh: ClassEvent[] = batch.events.filter((e) => e.seq > before);
    if (fresh.length === 0) return answer(res, 200, { acked: model.acked(batch.name) });
    claimed.set(batch.name, fresh[fresh.length - 1]!.seq);
    const rx = Date.now();
    try {
      await log.append({ k: 'batch', name: batch.name, rx, events: fresh });
    } catch {
      if (claimed.get(batch.name) === fresh[fresh.length - 1]!.seq) claimed.set(batch.name, before);
      throw REFUSE.disk;
    }
    model.apply(batch.name, fresh, rx);
    changed();
    answer(res, 200, { acked: model.acked(batch.name) });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://class');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/api/join' || path === '/api/events') {
      if (method !== 'POST') throw REFUSE.method;
      return path === '/api/join' ? join(req, res) : events(req, res);
    }
    if (method !== 'GET' && method !== 'HEAD') throw REFUSE.method;
    if (path === '/') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // The page fetches nothing from anywhere but this server.
        'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      });
      res.end(classPage);
      return;
    }
    if (path === '/api/class' || path === '/api/learner' || path === '/api/stream') {
      if (!bearer(req) && !url.searchParams.get('token')) throw REFUSE.noSecret;
      if (!instructor(req, url)) throw REFUSE.badSecret;
      if (path === '/api/class') return answer(res, 200, model.snapshot());
      if (path === '/api/learner') {
        const name = url.searchParams.get('name') ?? '';
        const timeline = model.timeline(name);
        if (!timeline) throw new Refusal(404, 'no-learner', { en: 'No learner has this name.', zh: '没有这个名字的学员。' });
        return answer(res, 200, { name, events: timeline });
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(model.snapshot())}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    throw REFUSE.notFound;
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const refusal = error instanceof Refusal ? error : new Refusal(500, 'internal', { en: String(error), zh: String(error) });
      if (res.headersSent) return void res.destroy();
      if (refusal.status === 413) res.setHeader('Connection', 'close');
      answer(res, refusal.status, { error: refusal.error, message: refusal.message });
    });
  });
  // Slow or idle clients must not hold sockets for long: a learner's post is small.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  return {
    server,
    info,
    model,
    close: async () => {
      clearInterval(heartbeat);
      if (pushTimer) clearTimeout(pushTimer);
      for (const s of streams) s.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      log.close();
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header. */
function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Read a JSON body of at most MAX_BODY_BYTES: 413 beyond it (read no further), 400 when it is not JSON. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw REFUSE.tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw REFUSE.tooLarge;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw REFUSE.notJson;
  }
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}
