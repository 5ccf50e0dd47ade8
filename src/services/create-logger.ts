import { pino, type Logger as PinoLogger } from 'pino';
import { loggerOptions, type LogDestination } from '../shared/logger.js';

export type { PinoLogger };

/**
 * The process's one logger, made before anything that logs: the server hands it to Fastify
 * (which adds its request serializers on a child), the workers and the CLI use it as it is.
 * Every line is redacted by loggerOptions, whoever writes it.
 */
export function createLogger(level: string, destination?: LogDestination): PinoLogger {
  const { stream, ...options } = loggerOptions(level, destination);
  return stream ? pino(options, stream) : pino(options);
}
