import { loadConfig } from '../core/config';
import { openRuntime } from '../runtime';
import { parseArgs } from 'node:util';
import { createApiKey, createTenant, findTenant, type Role } from '../tenants/keys';

export async function tenantCommand(args: string[]): Promise<number> {
  if (args[0] === 'key') return keyCommand(args.slice(1));
  const [action, name] = args;
  if (action !== 'create' || !name) {
    console.error('usage: likeness tenant create <name>');
    return 2;
  }
  const rt = await openRuntime(loadConfig());
  try {
    const { tenant, apiKey } = await createTenant(rt.ctx.db, name);
    console.log(JSON.stringify({ tenant_id: tenant.id, name: tenant.name, api_key: apiKey }, null, 2));
    return 0;
  } finally {
    await rt.close();
  }
}

const KEY_USAGE = 'usage: likeness tenant key <tenant id or name> [--approver] [--label <text>]';

/** Another key for a tenant; `--approver` lets it approve reads of children's data requested by other keys. */
async function keyCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { approver: { type: 'boolean', default: false }, label: { type: 'string' } } });
  } catch {
    console.error(KEY_USAGE);
    return 2;
  }
  const [tenantRef] = parsed.positionals;
  if (!tenantRef) {
    console.error(KEY_USAGE);
    return 2;
  }
  const rt = await openRuntime(loadConfig());
  try {
    const tenant = await findTenant(rt.ctx.db, tenantRef);
    if (!tenant) {
      console.error(`no tenant ${tenantRef}`);
      return 1;
    }
    const roles: Role[] = parsed.values.approver ? ['approver'] : [];
    const { keyId, apiKey } = await createApiKey(rt.ctx.db, tenant.id, { roles, label: parsed.values.label });
    console.log(JSON.stringify({ tenant_id: tenant.id, key_id: keyId, roles, api_key: apiKey }, null, 2));
    return 0;
  } finally {
    await rt.close();
  }
}
