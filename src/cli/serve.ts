import { startHttpServer } from '../api/http-server';
import { loadConfig } from '../core/config';
import { log } from '../core/log';
import { startUploadReaper } from '../media/reaper';
import { openRuntime } from '../runtime';
import { closeWarmDecoders } from '../speech/asr/english';
import { warmUpRecognizers } from '../speech/asr/registry';
import { speechConfig } from '../speech/config';
import { bootstrapTenant } from '../tenants/keys';
import { startWorker, type WorkerHandle } from '../worker/worker';

/** Resolves when SIGINT/SIGTERM arrives. */
const untilSignal = () =>
  new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

export async function serveCommand(opts: { worker: boolean }): Promise<number> {
  const config = loadConfig();
  const rt = await openRuntime(config);
  const boot = await bootstrapTenant(rt.ctx.db, config.bootstrapKey);
  if (boot?.generated) {
    // Printed once, on the first start of an empty database: it is not stored in clear anywhere.
    console.log(`\nBootstrap API key for tenant "default" (shown once):\n  ${boot.apiKey}\n`);
  }
  // Uploads a crash left half-received: removed now and whenever they pass RECEIVING_TIMEOUT_SECONDS.
  const reaper = startUploadReaper(rt.ctx);
  let worker: WorkerHandle | undefined;
  if (opts.worker) {
    worker = startWorker(rt.ctx);
    rt.ctx.wakeWorkers = worker.wake;
  }
  warmUpRecognizers(speechConfig());
  const { server, port } = await startHttpServer(rt.ctx, { hostname: config.host, port: config.port });
  log.info({ url: `http://${config.host}:${port}`, worker: Boolean(worker) }, 'likeness-gate listening');
  const signal = await untilSignal();
  log.info({ signal }, 'shutting down');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await reaper.stop();
  await worker?.stop();
  closeWarmDecoders();
  await rt.close();
  return 0;
}

export async function workerCommand(): Promise<number> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.s3.endpoint) {
    console.error('a separate worker shares state with the API: set DATABASE_URL and S3_ENDPOINT (the embedded defaults belong to one `serve` process)');
    return 2;
  }
  const rt = await openRuntime(config);
  // Here too: after an API crash, whichever process starts next cleans up (row locks keep several reapers apart).
  const reaper = startUploadReaper(rt.ctx);
  const worker = startWorker(rt.ctx);
  warmUpRecognizers(speechConfig());
  const signal = await untilSignal();
  log.info({ signal }, 'worker shutting down');
  await reaper.stop();
  await worker.stop();
  closeWarmDecoders();
  await rt.close();
  return 0;
}
