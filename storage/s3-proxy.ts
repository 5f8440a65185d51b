import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './aws-chunked';
import { listPartsXml, listUploadsXml, MultipartBook, removeObjectLeftovers, UPLOAD_ID } from './s3-multipart';
import { errorDocument, s3Error, type S3ErrorInfo } from './s3-xml';
import { verifySigV4, type Credentials, type QueryPair, type Verdict } from './sigv4-verify';

/**
 * The embedded store's front door. s3rver checks no signatures at all, so it only listens
 * on a socket in a folder no other user can open, and this proxy — the one listening on
 * the loopback port — lets a request through only once its SigV4 signature verified
 * (storage/sigv4-verify.ts). It also checks signed body hashes, decodes aws-chunked
 * bodies, refuses keys that would climb out of s3rver's folder, and answers the multipart
 * calls s3rver lacks (storage/s3-multipart.ts).
 */
export interface ProxyOptions {
  upstreamSocket: string;
  /** s3rver's directory. */
  root: string;
  credentials: Credentials[];
}

export interface S3Proxy {
  server: http.Server;
  book: MultipartBook;
  close(): Promise<void>;
}

/** A body whose SHA-256 is signed is checked before any of it reaches s3rver, so it is held in memory. */
const MAX_SIGNED_BODY = 64 * 1024 * 1024;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);
const AUTH_PARAMS = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature', 'x-amz-security-token', 'x-amz-content-sha256']);
// s3rver refuses response-* overrides on the anonymous requests it now sees, so the proxy applies them.
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

type Target = { bucket?: string; key?: string };

export function createS3Proxy(opts: ProxyOptions): S3Proxy {
  const agent = new http.Agent({ keepAlive: true });
  const book = new MultipartBook(opts.root);
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => reply(req, res, s3Error(500, 'InternalError', 'the embedded store failed to answer')));
  });
  // Presigned uploads of long media may take longer than Node's default 300 s.
  server.requestTimeout = 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const verdict = await verifySigV4(
      { method: req.method ?? 'GET', path: rawPath, rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headersDistinct },
      (id) => secrets.get(id),
    );
    if (!verdict.ok) return reply(req, res, verdict);
    const target = parseTarget(rawPath);
    if ('code' in target) return reply(req, res, target);
    const params = new Map(verdict.query.map((p) => [p.name, p.value]));
    // s3rver would read a repeated parameter as an array; what is checked here must be what it acts on.
    if (params.size !== verdict.query.length) return reply(req, res, s3Error(400, 'InvalidArgument', 'a query parameter is repeated'));
    const { bucket, key } = target;
    const uploadId = params.get('uploadId');
    if (bucket && key && uploadId !== undefined) return multipart(req, res, verdict, rawPath, bucket, key, uploadId, params);
    if (bucket && !key && req.method === 'GET' && params.has('uploads')) {
      return xml(res, listUploadsXml(bucket, await book.list(bucket, params.get('prefix') ?? ''), params));
    }
    // The only object DELETE s3rver answers with success is DeleteObject (DeleteObjectTagging is 501).
    const objectDelete = bucket && key && req.method === 'DELETE';
    return forward(req, res, verdict, rawPath, objectDelete ? () => removeObjectLeftovers(opts.root, bucket, key) : undefined);
  }

  async function multipart(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    verdict: Extract<Verdict, { ok: true }>,
    rawPath: string,
    bucket: string,
    key: string,
    uploadId: string,
    params: Map<string, string>,
  ): Promise<void> {
    const upload = UPLOAD_ID.test(uploadId) ? await book.find(bucket, uploadId) : null;
    // s3rver files parts by upload id alone; a part sent under another key would land in this upload.
    if (!upload || upload.key !== key) return reply(req, res, s3Error(404, 'NoSuchUpload', 'the specified multipart upload does not exist'));
    if (req.method === 'DELETE') {
      await book.abort(bucket, uploadId);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET') return xml(res, listPartsXml(bucket, upload, await book.parts(bucket, uploadId), params));
    if (req.method === 'PUT') {
      const n = params.get('partNumber') ?? '';
      if (!/^[1-9]\d{0,4}$/.test(n) || Number(n) > 10_000) return reply(req, res, s3Error(400, 'InvalidArgument', 'partNumber must be an integer from 1 to 10000'));
    } else if (req.method !== 'POST') {
      return reply(req, res, s3Error(405, 'MethodNotAllowed', 'the specified method is not allowed against this resource'));
    }
    const release = book.enter(bucket, uploadId);
    try {
      await forward(req, res, verdict, rawPath);
    } finally {
      await release();
    }
  }

  async function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    verdict: Extract<Verdict, { ok: true }>,
    rawPath: string,
    afterSuccess?: () => Promise<void>,
  ): Promise<void> {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && name !== 'authorization' && name !== 'host') headers[name] = value;
    }
    // s3rver's own host parsing (virtual-host buckets) must not see another name than the one checked here.
    headers.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    let body: Buffer | Readable | undefined;
    if (verdict.payload.kind === 'sha256') {
      const read = await readBounded(req, MAX_SIGNED_BODY);
      if (!Buffer.isBuffer(read)) return reply(req, res, read);
      if (createHash('sha256').update(read).digest('hex') !== verdict.payload.hex) {
        return reply(req, res, s3Error(400, 'XAmzContentSHA256Mismatch', 'the body does not match x-amz-content-sha256'));
      }
      headers['content-length'] = String(read.length);
      body = read;
    } else if (verdict.payload.kind === 'aws-chunked') {
      const decoded = single(req, 'x-amz-decoded-content-length') ?? '';
      if (!/^\d{1,15}$/.test(decoded)) return reply(req, res, s3Error(411, 'MissingContentLength', 'aws-chunked bodies need x-amz-decoded-content-length'));
      const trailer = single(req, 'x-amz-trailer')?.trim().toLowerCase();
      for (const h of ['x-amz-decoded-content-length', 'x-amz-trailer', 'content-encoding']) delete headers[h];
      const encodings = (single(req, 'content-encoding') ?? '').split(',').map((s) => s.trim()).filter((s) => s && s !== 'aws-chunked');
      if (encodings.length) headers['content-encoding'] = encodings.join(',');
      headers['content-length'] = decoded;
      body = req.pipe(new AwsChunkedDecoder(Number(decoded), trailer));
      req.on('error', (e) => (body as Readable).destroy(e));
    } else if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
      body = req;
    }
    const query = verdict.query.filter((p) => !AUTH_PARAMS.has(p.name.toLowerCase()) && !(p.name in OVERRIDES));
    const path = rawPath + (query.length ? `?${query.map((p) => p.raw).join('&')}` : '');
    await relay(req, res, path, headers, body, overridesOf(verdict.query), afterSuccess);
  }

  function relay(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body: Buffer | Readable | undefined,
    overrides: Record<string, string>,
    afterSuccess?: () => Promise<void>,
  ): Promise<void> {
    return new Promise((resolve) => {
      const up = http.request({ socketPath: opts.upstreamSocket, agent, method: req.method, path, headers });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
        resolve();
      });
      up.on('response', async (upRes) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        const status = upRes.statusCode ?? 502;
        if ((req.method === 'GET' || req.method === 'HEAD') && status < 300) Object.assign(out, overrides);
        try {
          if (afterSuccess && status < 300) await afterSuccess();
        } catch {
          upRes.resume();
          return reply(req, res, s3Error(500, 'InternalError', 'the embedded store could not finish the request'));
        }
        res.writeHead(status, out);
        pipeline(upRes, res).catch(() => res.destroy());
      });
      up.on('error', () => reply(req, res, s3Error(502, 'InternalError', 'the embedded store did not answer')));
      if (Buffer.isBuffer(body)) up.end(body);
      else if (body) {
        pipeline(body, up).catch((e: Error) => {
          up.destroy();
          reply(req, res, s3Error(400, 'IncompleteBody', e.name === 'AwsChunkedError' ? e.message : 'the request body ended early'));
        });
      } else up.end();
    });
  }

  return {
    server,
    book,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

function parseTarget(rawPath: string): Target | S3ErrorInfo {
  if (!rawPath.startsWith('/')) return s3Error(400, 'InvalidURI', 'the path must start with /');
  const rest = rawPath.slice(1);
  const slash = rest.indexOf('/');
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    key = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1));
  } catch {
    return s3Error(400, 'InvalidURI', 'the path is not valid percent-encoding');
  }
  if (!bucket) return key ? s3Error(400, 'InvalidBucketName', 'the bucket name is empty') : {};
  if (!BUCKET.test(bucket) || bucket.includes('..')) return s3Error(400, 'InvalidBucketName', 'the specified bucket is not valid');
  if (!key) return { bucket };
  // s3rver maps keys onto file paths: a "." or ".." segment would leave the bucket's folder.
  if (key.includes('\0') || key.split('/').some((s) => s === '.' || s === '..') || Buffer.byteLength(key) > 1024) {
    return s3Error(400, 'InvalidArgument', 'object keys with "." or ".." segments, NUL or over 1024 bytes are refused by the embedded store');
  }
  return { bucket, key };
}

function overridesOf(query: QueryPair[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of query) if (p.name in OVERRIDES) out[OVERRIDES[p.name]!] = p.value;
  return out;
}

async function readBounded(req: http.IncomingMessage, max: number): Promise<Buffer | S3ErrorInfo> {
  const tooLarge = s3Error(400, 'EntityTooLarge', `bodies with a signed SHA-256 over ${max} bytes are refused; send them as multipart parts`);
  if (Number(req.headers['content-length'] ?? 0) > max) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return tooLarge;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** A header that must come once; repeated, it counts as absent (and the request fails closed). */
function single(req: http.IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name];
  return values?.length === 1 ? values[0] : undefined;
}

function xml(res: http.ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
}

function reply(req: http.IncomingMessage, res: http.ServerResponse, e: S3ErrorInfo): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = req.method === 'HEAD' ? '' : errorDocument(e, (req.url ?? '/').split('?')[0]!);
  // An unread body (a refused upload) is not worth reading: close the connection after the answer.
  const unread = !req.complete;
  res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...(unread ? { connection: 'close' } : {}) });
  res.end(body);
  if (unread) req.resume();
}
