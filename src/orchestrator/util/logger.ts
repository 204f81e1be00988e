/** Structured logging, injected. `child` adds fixed fields (component, node, ...). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One line per entry on stderr: `time level [component] msg key=value ...`. `SKIFF_LOG` sets the level. */
export function consoleLogger(fields: Record<string, unknown> = {}, level: Level = envLevel()): Logger {
  const emit = (l: Level, msg: string, extra?: Record<string, unknown>) => {
    if (ORDER[l] < ORDER[level]) return;
    const all = { ...fields, ...extra };
    const comp = typeof all.component === 'string' ? `[${all.component}] ` : '';
    delete all.component;
    const kv = Object.entries(all)
      .map(([k, v]) => `${k}=${v instanceof Error ? JSON.stringify(v.message) : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`)
      .join(' ');
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase()} ${comp}${msg}${kv ? ' ' + kv : ''}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => consoleLogger({ ...fields, ...f }, level),
  };
}

function envLevel(): Level {
  const v = process.env.SKIFF_LOG;
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : 'info';
}

/** Drops everything: for tests that do not read logs. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
