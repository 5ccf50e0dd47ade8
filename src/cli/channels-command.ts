import { parseArgs } from 'node:util';
import { ChannelError, ChannelService } from '../channels/channel-service.js';
import { SecretBox } from '../channels/secret-box.js';
import type { Config } from '../config/load.js';
import { storeLocation } from '../main.js';
import { findProvider } from '../providers/registry.js';
import { systemClock } from '../shared/clock.js';
import { encryptionKey } from '../shared/server-keys.js';
import { ChannelStore } from '../store/channel-store.js';
import { openDatabase } from '../store/database.js';

const USAGE = `usage:
  vidgate channels add NAME --key KEY [--key KEY2] [--region beijing|singapore|virginia | --base-url URL]
                       [--models m1,m2] [--priority N] [--weight N]
                       [--submit-rps 5] [--max-running 5] [--qps 20]
  vidgate channels list
  vidgate channels enable|disable|remove NAME
A channel is one DashScope account; its keys share the account's limits. Keys are encrypted at
rest and never printed.`;

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Channel administration on the store; running servers pick changes up within seconds. */
export async function channelsCommand(
  config: Config,
  args: string[],
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: 'string', multiple: true },
      region: { type: 'string' },
      'base-url': { type: 'string' },
      models: { type: 'string' },
      priority: { type: 'string' },
      weight: { type: 'string' },
      'submit-rps': { type: 'string' },
      'max-running': { type: 'string' },
      qps: { type: 'string' },
      provider: { type: 'string' },
    },
  });
  const [verb, name] = positionals;
  const db = await openDatabase(storeLocation(config));
  try {
    const service = new ChannelService(
      new ChannelStore(db.kysely),
      new SecretBox(encryptionKey(config)),
      systemClock,
    );
    switch (verb) {
      case 'add': {
        if (!name) break;
        const providerId = values.provider ?? 'dashscope';
        const presets = findProvider(providerId)?.settingsPresets ?? {};
        const preset = values.region === undefined ? {} : presets[values.region];
        if (!preset) {
          out(
            `unknown region ${values.region ?? ''}; use ${Object.keys(presets).join(', ')} or --base-url`,
          );
          return 2;
        }
        const limits = {
          submitPerSecond: num(values['submit-rps']),
          maxRunning: num(values['max-running']),
          queriesPerSecond: num(values.qps),
        };
        const view = await service.create({
          name,
          provider: providerId,
          settings: {
            ...preset,
            apiKeys: values.key ?? [],
            ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
          },
          models: values.models ? values.models.split(',').map((m) => m.trim()) : ['*'],
          priority: num(values.priority) ?? 0,
          weight: num(values.weight) ?? 1,
          limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
        });
        out(`created channel ${view.name} (${view.id})`);
        return 0;
      }
      case 'list':
        for (const c of await service.list()) out(JSON.stringify(c));
        return 0;
      case 'enable':
      case 'disable':
        if (!name) break;
        if (!(await service.setEnabled(name, verb === 'enable'))) {
          out(`no channel named ${name}`);
          return 1;
        }
        out(`${verb}d ${name}`);
        return 0;
      case 'remove':
        if (!name) break;
        if (!(await service.remove(name))) {
          out(`no channel named ${name}`);
          return 1;
        }
        out(`removed ${name}`);
        return 0;
      case undefined:
      default:
        break;
    }
    out(USAGE);
    return 2;
  } catch (err) {
    if (err instanceof ChannelError || (err instanceof Error && err.name === 'ZodError')) {
      out(`vidgate: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}
