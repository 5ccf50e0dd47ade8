#!/usr/bin/env node
import { channelsCommand } from './cli/channels-command.js';
import { tokensCommand } from './cli/tokens-command.js';
import { webhooksCommand } from './cli/webhooks-command.js';
import { ConfigError, loadConfig, type Config } from './config/load.js';
import { startVidgate } from './main.js';
import { createServices } from './services/create-services.js';
import { runSimulatorCli } from './simulator/sim-cli.js';

const USAGE = `vidgate: a self-hosted gateway for asynchronous AI video generation

  vidgate serve                 start the API and the workers (default)
  vidgate tokens create|list|revoke ...
  vidgate accounts list
  vidgate channels add|list|enable|disable|remove ...
  vidgate webhooks add|list|remove|rotate|deliveries|replay ...   signed task-event callbacks
  vidgate simulator [--port N --key K --region R --time-scale X]   a local DashScope for tests

Settings come from the environment; see docs/configuration.md.`;

async function serve(config: Config): Promise<void> {
  const vg = await startVidgate(config, { printBanner: true });
  const shutdown = (signal: string): void => {
    vg.logger.info({ signal }, 'shutting down');
    vg.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/** The administration commands: straight on the store, which a running server may share. */
async function administer(config: Config, command: string, args: string[]): Promise<number> {
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  const services = await createServices(config);
  try {
    if (command === 'channels') return await channelsCommand(services, args, out);
    if (command === 'webhooks') return await webhooksCommand(services, args, out);
    return await tokensCommand(services, command, args, out);
  } finally {
    await services.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'simulator') {
    // the simulator needs no vidgate settings: it is a stand-in for DashScope itself
    const sim = await runSimulatorCli(rest);
    if (typeof sim === 'number') return sim;
    const stop = (): void => {
      sim.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vidgate: ${err.message}\n`);
      return 78;
    }
    throw err;
  }
  switch (command) {
    case 'serve':
      await serve(config);
      return -1;
    case 'channels':
    case 'webhooks':
    case 'tokens':
    case 'accounts':
      return administer(config, command, rest);
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`vidgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
