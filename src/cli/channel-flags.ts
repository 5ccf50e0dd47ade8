import type { ParseArgsConfig } from 'node:util';
import type { ProviderDefinition } from '../providers/provider.js';
import { CHANNEL_ADD_DEFAULT, PROVIDERS } from '../providers/registry.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Flags every channel takes, whatever its provider. */
export const COMMON_FLAGS = {
  provider: { type: 'string' },
  models: { type: 'string' },
  priority: { type: 'string' },
  weight: { type: 'string' },
  'submit-rps': { type: 'string' },
  'max-running': { type: 'string' },
  qps: { type: 'string' },
  'detect-rps': { type: 'string' },
} as const satisfies Options;

/** The flags of one provider, by name. */
function ownFlags(def: ProviderDefinition): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  if (def.channelFlags.presetFlag) flags.set(def.channelFlags.presetFlag, false);
  for (const f of def.channelFlags.settings) flags.set(f.flag, f.multiple);
  return flags;
}

/** Every provider's `channels add` flags, for the one parse of the command line. */
export function providerFlags(): Options {
  const options: Options = {};
  for (const def of PROVIDERS) {
    for (const [flag, multiple] of ownFlags(def)) {
      options[flag] = multiple ? { type: 'string', multiple: true } : { type: 'string' };
    }
  }
  return options;
}

/** The usage lines of `channels add`: the common flags, then each provider's own. */
export function addUsage(): string[] {
  const lines = [
    `  vidgate channels add NAME [--provider ${PROVIDERS.map((p) => p.id).join('|')}] (default ${CHANNEL_ADD_DEFAULT.id})`,
    '                       [--models m1,m2] [--priority N] [--weight N]',
    '                       [--submit-rps 5] [--max-running 5] [--qps 20] [--detect-rps 5]',
  ];
  for (const def of PROVIDERS) {
    const f = def.channelFlags;
    const parts = f.settings.map((s) =>
      s.multiple ? `--${s.flag} ${s.value} [--${s.flag} ${s.value}2]` : `[--${s.flag} ${s.value}]`,
    );
    const presets = Object.keys(def.settingsPresets ?? {});
    if (f.presetFlag) parts.push(`[--${f.presetFlag} ${presets.join('|')}]`);
    lines.push(`    ${def.id}: ${parts.length > 0 ? parts.join(' ') : 'no flags of its own'}`);
    lines.push(`      ${f.help}`);
  }
  return lines;
}

/**
 * The settings the provider's own flags ask for: a preset first, the flags' settings over it.
 * A flag of another provider is refused rather than stored where nothing reads it.
 */
export function settingsFromFlags(
  def: ProviderDefinition,
  values: Values,
): { ok: true; settings: Record<string, unknown> } | { ok: false; problem: string } {
  const own = ownFlags(def);
  const foreign = Object.keys(providerFlags()).filter(
    (flag) => values[flag] !== undefined && !own.has(flag),
  );
  if (foreign.length > 0) {
    const names = foreign.map((f) => `--${f}`).join(', ');
    return { ok: false, problem: `${names}: not a flag of provider ${def.id}` };
  }
  const { presetFlag } = def.channelFlags;
  const presets = def.settingsPresets ?? {};
  let settings: Record<string, unknown> = {};
  const picked = presetFlag ? values[presetFlag] : undefined;
  if (typeof picked === 'string') {
    const preset = presets[picked];
    if (!preset) {
      const others = def.channelFlags.settings.filter((s) => !s.multiple).map((s) => `--${s.flag}`);
      return {
        ok: false,
        problem: `unknown ${presetFlag} ${picked}; use ${[Object.keys(presets).join(', '), ...others].join(' or ')}`,
      };
    }
    settings = { ...preset };
  }
  for (const s of def.channelFlags.settings) {
    const v = values[s.flag];
    // a repeatable flag not given is an empty list, for the provider's schema to judge
    if (s.multiple) settings[s.setting] = Array.isArray(v) ? v : [];
    else if (typeof v === 'string') settings[s.setting] = v;
  }
  return { ok: true, settings };
}
