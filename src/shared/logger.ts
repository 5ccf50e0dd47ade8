import { maskSecrets, REDACT_PATHS, REDACTED, redactFields } from './redact.js';

/** The logging surface vidgate's core uses; pino (via Fastify) satisfies it. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};

/** Where log lines go when not to stdout (tests). */
export interface LogDestination {
  write(line: string): void;
}

/** The pino options vidgate logs with; structural, so that only http/ imports the framework. */
export interface LoggerOptions {
  level: string;
  redact: { paths: string[]; censor: string };
  formatters: { log(obj: Record<string, unknown>): Record<string, unknown> };
  hooks: { streamWrite(line: string): string };
  stream?: LogDestination;
}

/**
 * Every vidgate log line is redacted here, in the logger itself, so no call site has to
 * remember to: secret fields by name (top level and bindings by pino's paths, nested plain
 * objects by redactFields), then secret-looking text in the finished line (messages, error
 * stacks and request URLs included, whatever the serializers made of them).
 */
export function loggerOptions(level: string, stream?: LogDestination): LoggerOptions {
  return {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: { log: redactFields },
    hooks: { streamWrite: maskSecrets },
    ...(stream ? { stream } : {}),
  };
}
