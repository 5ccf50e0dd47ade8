import { parseArgs } from 'node:util';
import type { Services } from '../services/create-services.js';

const USAGE = `usage:
  vidgate tokens create [--account NAME] [--name LABEL]   create a token (the account is created if new)
  vidgate tokens list [--account NAME]                    list tokens (never their values)
  vidgate tokens revoke TOKEN_ID                          revoke a token at once
  vidgate accounts list                                   list accounts`;

/** Token and account administration, straight on the store (the server may be running). */
export async function tokensCommand(
  services: Pick<Services, 'accounts' | 'tokens'>,
  group: string,
  args: string[],
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { account: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
  });
  const { accounts, tokens } = services;
  const [verb, arg] = positionals;
  if (group === 'accounts' && verb === 'list') {
    for (const a of await accounts.listAccounts()) out(`${a.id}\t${a.name}`);
    return 0;
  }
  if (group !== 'tokens') {
    out(USAGE);
    return 2;
  }
  switch (verb) {
    case 'create': {
      const accountId = await tokens.ensureAccount(values.account ?? 'default');
      const issued = await tokens.issue(accountId, values.name ?? 'cli');
      if (values.json)
        out(JSON.stringify({ id: issued.record.id, account_id: accountId, token: issued.token }));
      else
        out(
          `created ${issued.record.id} for account ${values.account ?? 'default'}\n${issued.token}\n(shown once; vidgate stores only a keyed hash of it)`,
        );
      return 0;
    }
    case 'list': {
      const account = values.account ? await accounts.findAccountByName(values.account) : undefined;
      if (values.account && !account) {
        out(`no account named ${values.account}`);
        return 1;
      }
      const names = new Map((await accounts.listAccounts()).map((a) => [a.id, a.name]));
      for (const t of await accounts.listTokens(account?.id)) {
        const state =
          t.revokedAt === null
            ? 'active'
            : `revoked ${new Date(Number(t.revokedAt)).toISOString()}`;
        out(`${t.id}\t${names.get(t.accountId) ?? t.accountId}\t${t.name}\t${t.prefix}\t${state}`);
      }
      return 0;
    }
    case 'revoke': {
      if (!arg) {
        out(USAGE);
        return 2;
      }
      const ok = await tokens.revoke(arg);
      out(ok ? `revoked ${arg}` : `no active token ${arg}`);
      return ok ? 0 : 1;
    }
    case undefined:
    default:
      out(USAGE);
      return 2;
  }
}
