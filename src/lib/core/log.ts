/**
 * The one logger. Silent below `warn` unless a level is set (tests stay quiet); messages that repeat
 * are printed once and counted, so a thousand bad boxes do not flood the console.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

let threshold: LogLevel = 'warn';
const seen = new Map<string, number>();

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function emit(level: Exclude<LogLevel, 'silent'>, message: string, detail?: unknown): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const count = (seen.get(message) ?? 0) + 1;
  seen.set(message, count);
  if (count > 1) return;
  const write = level === 'error' ? console.error : console.warn;
  write(`[longtail] ${message}`, ...(detail === undefined ? [] : [detail]));
}

export const log = {
  debug: (message: string, detail?: unknown) => emit('debug', message, detail),
  info: (message: string, detail?: unknown) => emit('info', message, detail),
  warn: (message: string, detail?: unknown) => emit('warn', message, detail),
  error: (message: string, detail?: unknown) => emit('error', message, detail),
  /** How often each message was logged (including the suppressed repeats). */
  counts: (): ReadonlyMap<string, number> => seen,
};
