import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { isAppError } from '../core/errors';
import { openRuntime } from '../runtime';
import { createModerator, generatePassword } from '../review/accounts';
import { ROLES, parseQueueId, type Role } from '../review/policy';

const USAGE = `usage: likeness moderator create --email <email> [--role moderator|senior|admin] [--name <name>]
                                [--tenant <tenant id>]... [--queue <queue id>]... [--password-stdin]`;

/**
 * Moderator accounts from the command line: how the first admin comes to be. The password is
 * generated and printed once, or read from standard input. With the embedded database, run it
 * while the service is stopped (PGlite has one owner at a time).
 */
export async function moderatorCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: {
        email: { type: 'string' }, role: { type: 'string', default: 'moderator' }, name: { type: 'string' },
        tenant: { type: 'string', multiple: true }, queue: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean', default: false },
      },
    });
  } catch {
    console.error(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const role = values.role as Role;
  const badQueue = (values.queue ?? []).find((q) => parseQueueId(q) === null);
  if (positionals[0] !== 'create' || !values.email || !(ROLES as readonly string[]).includes(role) || badQueue) {
    console.error(badQueue ? `not a queue id: ${badQueue}\n${USAGE}` : USAGE);
    return 2;
  }
  const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : generatePassword();
  const rt = await openRuntime(loadConfig());
  try {
    const m = await createModerator(rt.ctx.db, {
      email: values.email, displayName: values.name, role, password, tenantIds: values.tenant, queues: values.queue,
    });
    console.log(JSON.stringify({
      id: m.id, email: m.email, role: m.role, ...(values['password-stdin'] ? {} : { password }), login: '/review',
    }, null, 2));
    return 0;
  } catch (e) {
    if (!isAppError(e)) throw e;
    console.error(e.message);
    return 1;
  } finally {
    await rt.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
