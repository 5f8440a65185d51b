import { loadConfig } from '../core/config';
import { openRuntime } from '../runtime';
import { createTenant } from '../tenants/keys';

export async function tenantCommand(args: string[]): Promise<number> {
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
