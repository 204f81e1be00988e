import { ApiError } from '../../api/errors.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { DEFAULT_LEVELS, PRIORITY_LEVELS, type FlowRequest, type LevelConfig, type PriorityLevel } from './levels.js';

export interface FlowControlOptions {
  clock?: Clock;
  /** Per-level overrides of DEFAULT_LEVELS. */
  levels?: Partial<Record<PriorityLevel, Partial<LevelConfig>>>;
  /** Schedules the next turn (default `setImmediate`: after the event loop has polled sockets). Tests step turns by hand. */
  schedule?: (fn: () => void) => void;
  /** Monotonic milliseconds for the turn budget (default `performance.now`). */
  now?: () => number;
}

interface Waiter {
  flow: string;
  admit: () => void;
  cancel?: () => void;
}

interface Level {
  config: LevelConfig;
  executing: number;
  /** One FIFO per flow; `order` lists the flows with waiting requests, served round robin. */
  queues: Map<string, Waiter[]>;
  order: string[];
  queued: number;
  admittedThisTurn: number;
  turnStartedAt: number | undefined;
  /** The per-turn count in force (adapted to `turnBudgetMs`, see LevelConfig). */
  limit: number;
  admitted: number;
  rejected: number;
}

/** Counters of one level (stats, tests, the bench). */
export interface LevelStats {
  executing: number;
  queued: number;
  admitted: number;
  rejected: number;
}

/**
 * API priority and fairness in the spirit of kube-apiserver's: every request but health checks,
 * watches and streams takes a seat at its priority level for as long as it runs; when the level's
 * seats are taken (or, for in-process callers, its share of this turn of the event loop is spent)
 * it waits in its flow's queue, and queues are served round robin, so one flow (a controller making
 * 20,000 pods) cannot delay another flow of its level by more than one request per round, and
 * cannot touch another level's seats at all.
 *
 * Turns: a request admitted at once runs in the caller's turn; a waiting one is admitted by the
 * next turn (`schedule`, by default `setImmediate`, so the event loop reads sockets first). Each
 * turn admits a bounded number of a level's requests (for in-process callers, a number adapted so
 * that a turn's work stays within `turnBudgetMs`), which bounds how long the controllers hold the
 * event loop between two polls of the sockets.
 */
export class FlowControl {
  private readonly levels = new Map<PriorityLevel, Level>();
  private readonly clock: Clock;
  private readonly schedule: (fn: () => void) => void;
  private readonly now: () => number;
  private turnScheduled = false;

  constructor(opts: FlowControlOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.schedule = opts.schedule ?? ((fn) => setImmediate(fn));
    this.now = opts.now ?? (() => performance.now());
    for (const name of PRIORITY_LEVELS) {
      const config = { ...DEFAULT_LEVELS[name], ...opts.levels?.[name] };
      const limit = Number.isFinite(config.turnBudgetMs) ? Math.min(config.perTurn, 4) : config.perTurn;
      this.levels.set(name, { config, executing: 0, queues: new Map(), order: [], queued: 0, admittedThisTurn: 0, turnStartedAt: undefined, limit, admitted: 0, rejected: 0 });
    }
  }

  /** Runs `fn` once the request is admitted, holding its seat until `fn` settles. 429 when a client's request cannot wait. */
  async run<T>(req: FlowRequest, fn: () => Promise<T>): Promise<T> {
    const level = this.levels.get(req.level) as Level;
    if (!this.tryAdmit(level)) await this.wait(level, req);
    try {
      return await fn();
    } finally {
      level.executing--;
      if (level.queued > 0) this.scheduleTurn();
    }
  }

  stats(): Record<PriorityLevel, LevelStats> {
    const out = {} as Record<PriorityLevel, LevelStats>;
    for (const [name, l] of this.levels) out[name] = { executing: l.executing, queued: l.queued, admitted: l.admitted, rejected: l.rejected };
    return out;
  }

  /** Admits at once when a seat is free, nobody of the level is waiting and the turn's share is left. */
  private tryAdmit(level: Level): boolean {
    if (level.queued > 0 || !this.hasRoom(level)) return false;
    this.take(level);
    return true;
  }

  private hasRoom(level: Level): boolean {
    return level.executing < level.config.seats && level.admittedThisTurn < level.limit;
  }

  /** After a turn with admissions: fewer next time if it ran over its budget, more if it used its count within it. */
  private adapt(level: Level): void {
    const c = level.config;
    if (level.turnStartedAt === undefined || !Number.isFinite(c.turnBudgetMs)) return;
    const took = this.now() - level.turnStartedAt;
    if (took > c.turnBudgetMs) level.limit = Math.max(1, Math.floor(level.limit / 2));
    else if (level.admittedThisTurn >= level.limit) level.limit = Math.min(c.perTurn, Math.ceil(level.limit * 1.25));
  }

  private take(level: Level): void {
    level.executing++;
    level.admitted++;
    level.admittedThisTurn++;
    if (level.turnStartedAt === undefined) {
      level.turnStartedAt = this.now();
      // The share is per turn: the next turn starts afresh.
      this.scheduleTurn();
    }
  }

  private wait(level: Level, req: FlowRequest): Promise<void> {
    const c = level.config;
    if (!req.inProcess && level.queued >= c.queueLimit) {
      level.rejected++;
      return Promise.reject(tooManyRequests());
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { flow: req.flow, admit: resolve };
      if (!req.inProcess) {
        w.cancel = this.clock.setTimeout(() => {
          const q = level.queues.get(req.flow);
          const i = q?.indexOf(w) ?? -1;
          if (q && i >= 0) {
            q.splice(i, 1);
            level.queued--;
            if (q.length === 0) this.dropFlow(level, req.flow);
            level.rejected++;
            reject(tooManyRequests());
          }
        }, c.maxWaitMs);
      }
      let q = level.queues.get(req.flow);
      if (!q) {
        level.queues.set(req.flow, (q = []));
        level.order.push(req.flow);
      }
      q.push(w);
      level.queued++;
      this.scheduleTurn();
    });
  }

  private dropFlow(level: Level, flow: string): void {
    level.queues.delete(flow);
    const i = level.order.indexOf(flow);
    if (i >= 0) level.order.splice(i, 1);
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    this.schedule(() => this.turn());
  }

  /** A new turn: every level's share is fresh; waiting requests are admitted round robin over flows. */
  private turn(): void {
    this.turnScheduled = false;
    for (const level of this.levels.values()) {
      this.adapt(level);
      level.admittedThisTurn = 0;
      level.turnStartedAt = undefined;
      while (level.queued > 0 && this.hasRoom(level)) {
        const flow = level.order.shift() as string;
        const q = level.queues.get(flow) as Waiter[];
        const w = q.shift() as Waiter;
        level.queued--;
        if (q.length > 0) level.order.push(flow);
        else level.queues.delete(flow);
        w.cancel?.();
        this.take(level);
        w.admit();
      }
      if (level.queued > 0 && level.executing < level.config.seats) this.scheduleTurn();
    }
  }
}

function tooManyRequests(): ApiError {
  return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
}
