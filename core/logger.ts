// One logger for the whole process (fastify's included), always on stderr: stdout stays free for
// what a command prints (benchmarks print one JSON line). A person at a terminal reads lines, not
// JSON: pretty-printed when stdout is a TTY, JSON lines otherwise (for collectors and files).
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';

export function createLogger(level: Config['LOG_LEVEL'], pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ level }, pino.destination(2));
}
