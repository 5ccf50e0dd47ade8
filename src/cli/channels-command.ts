import { parseArgs } from 'node:util';
import { ChannelError } from '../channels/channel-service.js';
import { CHANNEL_ADD_DEFAULT, findProvider } from '../providers/registry.js';
import type { Services } from '../services/create-services.js';
import { pushTokenOf } from '../upstream/push-trigger.js';
import { addUsage, COMMON_FLAGS, providerFlags, settingsFromFlags } from './channel-flags.js';

const USAGE = [
  'usage:',
  ...addUsage(),
  '  vidgate channels list',
  '  vidgate channels enable|disable|remove NAME',
  "  vidgate channels push-url NAME    the URL for DashScope's completion push (EventBridge); a secret",
  'Upstream keys are encrypted at rest and never printed.',
].join('\n');

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Channel administration on the store; running servers pick changes up within seconds. */
export async function channelsCommand(
  services: Pick<Services, 'channels' | 'links' | 'config'>,
  args: string[],
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON_FLAGS, ...providerFlags() },
  });
  const [verb, name] = positionals;
  const service = services.channels;
  try {
    switch (verb) {
      case 'add': {
        if (!name) break;
        const providerId = values.provider ?? CHANNEL_ADD_DEFAULT.id;
        const def = findProvider(providerId);
        // an unknown provider is the channel service's to refuse, naming the known ones
        const flags = def ? settingsFromFlags(def, values) : { ok: true as const, settings: {} };
        if (!flags.ok) {
          out(flags.problem);
          return 2;
        }
        const limits = {
          submitPerSecond: num(values['submit-rps']),
          maxRunning: num(values['max-running']),
          queriesPerSecond: num(values.qps),
          detectsPerSecond: num(values['detect-rps']),
        };
        const view = await service.create({
          name,
          provider: providerId,
          settings: flags.settings,
          models: values.models
            ? values.models.split(',').map((m) => m.trim())
            : [...(def?.defaultModels ?? ['*'])],
          priority: num(values.priority) ?? 0,
          weight: num(values.weight) ?? 1,
          limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
        });
        out(`created channel ${view.name} (${view.id})`);
        return 0;
      }
      case 'push-url': {
        const view = (await service.list()).find((c) => c.name === name);
        if (!view) {
          out(`no channel named ${name ?? ''}`);
          return 1;
        }
        // the push names tasks; vidgate then queries them (families §9, docs/deployment.md)
        const token = pushTokenOf(services.links, view.id);
        out(`${services.config.publicUrl}/push/${view.id}/${token}`);
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
  }
}
