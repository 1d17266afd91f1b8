// The sandbox's log: everything at the chosen level goes to sandbox.log; the terminal only sees
// warnings and errors. The API server's thread and the components' thread both write it.
import pino, { type Logger } from 'pino';

export function sandboxLogLevel(): string {
  return process.env.HOMEOSTAT_LOG_LEVEL ?? 'info';
}

export function sandboxLogger(logFile: string, level = sandboxLogLevel()): Logger {
  return pino(
    { level, name: 'sandbox' },
    pino.multistream([
      { level: level as pino.Level, stream: pino.destination({ dest: logFile, sync: false, mkdir: true }) },
      { level: 'warn', stream: process.stderr },
    ]),
  );
}
