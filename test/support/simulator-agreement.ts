import { API_ERRORS } from '../../src/contract/error-codes.js';
import { acceptedCases } from '../../src/models/accepted-request-cases.js';
import { guessReferenceKind } from '../../src/models/media-url.js';
import { flatModels, MODELS, type ModelSpec } from '../../src/models/model-table.js';
import { rejectedCases } from '../../src/models/rejected-request-cases.js';
import { validBody, withField } from '../../src/models/request-case-bodies.js';
import { effectiveRequest } from '../../src/models/task-request.js';
import { buildUsage } from '../../src/models/usage.js';
import { validateRequest } from '../../src/models/validate-request.js';
import { checkCreateBody } from '../../src/simulator/check-create-body.js';
import { SIM_SIZES } from '../../src/simulator/rules/sim-catalogue.js';
import { simUsage } from '../../src/simulator/rules/sim-output.js';

/**
 * Holds vidgate's validator and usage against the simulator's own rules (src/simulator/rules/),
 * which are written from the DashScope reference alone. Every request case of vidgate's tables
 * (accepted-request-cases.ts, rejected-request-cases.ts) goes to both sides.
 */

/** Seconds each reference video counts in r2v usage, the same on both sides. */
const REFERENCE_VIDEO_SECONDS = 5;

export interface Disagreement {
  model: string;
  case: string;
  /**
   * `verdict`: one side accepts, the other refuses; `code`: both refuse with different codes
   * or statuses; `usage`: both accept, the usage objects differ; `stale`: a documented
   * disagreement did not happen
   */
  kind: 'verdict' | 'code' | 'usage' | 'stale';
  detail: string;
  /** the KNOWN_DISAGREEMENTS reason, when this one is documented */
  documented?: string;
}

/** Where vidgate refuses on purpose what DashScope (and so the simulator) lets through. */
export interface KnownDisagreement {
  /** case names from vidgate's tables */
  cases: readonly string[];
  /** the reference sentence that justifies the difference */
  reason: string;
}

export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  {
    cases: ['audio false without the switch'],
    reason:
      '§2.1 audio param: "not supported (always has sound)"; §12.4 "Unknown input/parameters fields must be tolerated". vidgate refuses a silent video it cannot deliver.',
  },
  {
    cases: ['shot_type multi without shot types'],
    reason:
      '§2.1 shot_type for wan2.5: "not supported (wan2.6 only)"; DashScope ignores fields outside the schema (§12.4). vidgate refuses a multi-shot video it cannot deliver.',
  },
  {
    cases: ['size on a tier model', 'resolution on a size model'],
    reason:
      '§2.1 "Output size control": tier models read parameters.resolution, size models parameters.size; the other field is outside the schema and ignored (§12.4). vidgate names the right field instead.',
  },
  {
    cases: ['template', 'audio_url', 'input.img_url', 'input.reference_urls'],
    reason:
      '§2.1: r2v has no template and no audio_url ("not in r2v schema"), t2v no template and no img_url, i2v no reference_urls; outside the schema = ignored (§12.4). vidgate refuses input the model would silently drop.',
  },
  {
    cases: ['prompt "   "'],
    reason:
      '§4 prompt: "required"; the reference does not say blanks are refused. vidgate refuses a prompt with nothing in it.',
  },
  {
    cases: ['both reference lists'],
    reason:
      '§4 reference_video_urls: "deprecated" old field; the reference is silent on bodies with both. vidgate refuses because the order of one list names the characters.',
  },
];

/**
 * Cases from the simulator's side, so that not every probe comes from the table under test:
 * each duration from 0 to 20 s, each tier and each size the reference lists, on every model.
 */
function simulatorSideCases(m: ModelSpec): { name: string; body: unknown }[] {
  const base = validBody(m);
  const cases: { name: string; body: unknown }[] = [];
  for (let d = 0; d <= 20; d++) {
    cases.push({ name: `sim: duration ${d}`, body: withField(base, 'parameters.duration', d) });
  }
  const field = m.output.kind === 'tier' ? 'resolution' : 'size';
  const values =
    m.output.kind === 'tier' ? Object.keys(SIM_SIZES) : Object.values(SIM_SIZES).flat();
  for (const v of values) {
    cases.push({ name: `sim: ${field} ${v}`, body: withField(base, `parameters.${field}`, v) });
  }
  return cases;
}

function knownFor(caseName: string): KnownDisagreement | undefined {
  return KNOWN_DISAGREEMENTS.find((k) => k.cases.includes(caseName));
}

function vidgateUsage(model: ModelSpec, body: Parameters<typeof effectiveRequest>[1]) {
  const eff = effectiveRequest(model, body);
  const videos = eff.referenceUrls.filter((u) => guessReferenceKind(u) === 'video').length;
  return buildUsage(model, eff, videos * REFERENCE_VIDEO_SECONDS);
}

function usageDifference(a: Record<string, unknown>, b: Record<string, unknown>): string | null {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diff = keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: vidgate ${JSON.stringify(a[k])}, simulator ${JSON.stringify(b[k])}`);
  return diff.length === 0 ? null : diff.join('; ');
}

/**
 * Every disagreement between vidgate (with `models` as its table) and the simulator, in Beijing
 * (which serves every model vidgate knows); documented ones carry their reason. None without a
 * reason = they agree.
 */
export function checkAgreement(all: readonly ModelSpec[] = MODELS): Disagreement[] {
  // the flat wan2.6 rows; every other family has its own agreement cases (families/*.test.ts)
  const models = flatModels(all);
  const found: Disagreement[] = [];
  for (const m of models) {
    const cases = [...acceptedCases(m), ...rejectedCases(m), ...simulatorSideCases(m)];
    for (const c of cases) {
      const v = validateRequest(m.mode, c.body, models);
      const s = checkCreateBody(c.body, 'beijing');
      // documented differences are all vidgate refusals; an accepted case of the same name is not one
      const known = v.ok ? undefined : knownFor(c.name);
      const at = { model: m.name, case: c.name };
      if (v.ok !== s.ok) {
        found.push({
          ...at,
          ...(known && { documented: known.reason }),
          kind: 'verdict',
          detail: v.ok
            ? `vidgate accepts, the simulator refuses: ${s.ok ? '' : `${s.code} ${s.message}`}`
            : `vidgate refuses (${v.code} ${v.message}), the simulator accepts`,
        });
        continue;
      }
      if (known) {
        found.push({
          ...at,
          kind: 'stale',
          detail: 'documented as a vidgate-only refusal, but the simulator refuses it too',
        });
      }
      if (!v.ok && !s.ok && (v.code !== s.code || API_ERRORS[v.code] !== s.status)) {
        found.push({
          ...at,
          kind: 'code',
          detail: `vidgate ${API_ERRORS[v.code]} ${v.code}, simulator ${s.status} ${s.code}`,
        });
      }
      if (v.ok && s.ok) {
        const diff = usageDifference(
          vidgateUsage(v.model, v.body),
          simUsage(s.model, s.body, REFERENCE_VIDEO_SECONDS),
        );
        if (diff) found.push({ ...at, kind: 'usage', detail: diff });
      }
    }
  }
  return found;
}
