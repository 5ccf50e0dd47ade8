import { parseArgs } from 'node:util';
import type { Services } from '../services/create-services.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/signing.js';
import { WebhookConfigError } from '../webhooks/webhook-admin.js';

const USAGE = `usage:
  vidgate webhooks add --account NAME --url URL [--events ${WEBHOOK_EVENT_TYPES.join(',')}]
                                         add an endpoint; prints its signing secret once
  vidgate webhooks list                  endpoints (never their secrets)
  vidgate webhooks remove ID             remove an endpoint with its delivery log
  vidgate webhooks rotate ID             a new signing secret, printed once; the old one stops
  vidgate webhooks deliveries ID         an endpoint's deliveries with each attempt
  vidgate webhooks replay DELIVERY_ID    send a delivery again (same webhook-id)`;

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(Number(ms)).toISOString());

/** Webhook endpoint administration on the store; running workers pick changes up at once. */
export async function webhooksCommand(
  services: Pick<Services, 'accounts' | 'webhooks'>,
  args: string[],
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      account: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [verb, arg] = positionals;
  const hooks = services.webhooks;
  switch (verb) {
    case 'add': {
      if (!values.account || !values.url) break;
      const account = await services.accounts.findAccountByName(values.account);
      if (!account) {
        out(`no account named ${values.account}`);
        return 1;
      }
      const events = values.events?.split(',').map((e) => e.trim());
      try {
        const { endpoint, secret } = await hooks.add(account.id, values.url, events);
        if (values.json) out(JSON.stringify({ id: endpoint.id, secret }));
        else
          out(
            `added ${endpoint.id} for account ${values.account}: ${endpoint.eventTypes.join(',')}\n${secret}\n(the signing secret is shown once; vidgate stores it encrypted)`,
          );
        return 0;
      } catch (err) {
        if (!(err instanceof WebhookConfigError)) throw err;
        out(err.message);
        return 2;
      }
    }
    case 'list': {
      const names = new Map((await services.accounts.listAccounts()).map((a) => [a.id, a.name]));
      for (const e of await hooks.list()) {
        const state =
          e.disabledAt !== null
            ? `disabled ${iso(e.disabledAt)}`
            : e.failingSince !== null
              ? `failing since ${iso(e.failingSince)}`
              : 'enabled';
        out(
          `${e.id}\t${names.get(e.accountId) ?? e.accountId}\t${e.url}\t${e.eventTypes.join(',')}\t${state}`,
        );
      }
      return 0;
    }
    case 'remove': {
      if (!arg) break;
      const ok = await hooks.remove(arg);
      out(ok ? `removed ${arg}` : `no endpoint ${arg}`);
      return ok ? 0 : 1;
    }
    case 'rotate': {
      if (!arg) break;
      const secret = await hooks.rotate(arg);
      if (secret === null) {
        out(`no endpoint ${arg}`);
        return 1;
      }
      out(values.json ? JSON.stringify({ id: arg, secret }) : `${secret}\n(shown once)`);
      return 0;
    }
    case 'deliveries': {
      if (!arg) break;
      const list = await hooks.deliveries(arg);
      if (values.json) {
        out(JSON.stringify(list));
        return 0;
      }
      for (const { delivery: d, attempts } of list) {
        out(
          `${d.id}\t${d.webhookId}\t${d.taskId}\t${d.eventType}\t${d.status}\tattempts ${d.attempt}`,
        );
        for (const a of attempts) {
          out(
            `  #${a.attempt}\t${iso(a.at)}\t${a.statusCode ?? '-'}\t${a.latencyMs} ms\t${JSON.stringify(a.outcome)}`,
          );
        }
      }
      return 0;
    }
    case 'replay': {
      if (!arg) break;
      const ok = await hooks.replay(arg);
      out(ok ? `replaying ${arg}` : `no delivery ${arg}`);
      return ok ? 0 : 1;
    }
    case undefined:
    default:
      break;
  }
  out(USAGE);
  return 2;
}
