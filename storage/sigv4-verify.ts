import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { s3Error, type S3ErrorInfo } from './s3-xml';

/**
 * Checks an incoming S3 request's AWS Signature Version 4 by signing the same request
 * again with the AWS SDK's own signer and the secret we hold, then comparing in constant
 * time. Nothing here computes an HMAC: the canonical request, the key derivation and the
 * signature are all the SDK's, so a request verifies exactly when the SDK would have
 * produced the same signature. Both forms are covered: the Authorization header and the
 * presigned query string (X-Amz-*), with its expiry.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The path exactly as it came on the wire (still percent-encoded): S3 signs it unnormalised. */
  path: string;
  /** Everything after '?', raw. */
  rawQuery: string;
  /** Node's `headersDistinct`: lower-case names, every value of repeated headers. */
  headers: Record<string, string[] | undefined>;
}

/** How the body is covered: a signed SHA-256, explicitly unsigned, or aws-chunked with an unsigned trailer. */
export type Payload = { kind: 'sha256'; hex: string } | { kind: 'unsigned' } | { kind: 'aws-chunked' };

export type Verdict =
  | { ok: true; accessKeyId: string; presigned: boolean; payload: Payload; query: QueryPair[] }
  | ({ ok: false } & S3ErrorInfo);

export interface QueryPair {
  /** Decoded name and value, for signing and routing. */
  name: string;
  value: string;
  /** The pair as it came, so what is forwarded is byte-for-byte what was signed. */
  raw: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTH_QUERY = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

const fail = (status: number, code: string, message: string): Verdict => ({ ok: false, ...s3Error(status, code, message) });
const denied = (message: string) => fail(403, 'AccessDenied', message);

export async function verifySigV4(req: SignedRequest, secretFor: (accessKeyId: string) => string | undefined, now = Date.now()): Promise<Verdict> {
  const query = parseQuery(req.rawQuery);
  if (!query) return fail(400, 'InvalidArgument', 'the query string is not valid percent-encoding');
  const authorization = req.headers.authorization;
  const presigned = query.some((p) => p.name === 'X-Amz-Algorithm');
  if (authorization && presigned) return fail(400, 'InvalidArgument', 'only one auth mechanism allowed: the Authorization header or the X-Amz-Algorithm query parameter');
  if (!authorization && !presigned) {
    const v2 = query.some((p) => p.name === 'Signature' || p.name === 'AWSAccessKeyId');
    return denied(v2 ? 'only AWS Signature Version 4 is accepted' : 'every request to this store must be signed (AWS Signature Version 4)');
  }
  const parsed = authorization ? parseAuthorizationHeader(authorization, req.headers['x-amz-date']) : parsePresignedQuery(query);
  if ('ok' in parsed) return parsed;
  if (!parsed.signedHeaders.every((h) => /^[a-z0-9-]+$/.test(h))) return fail(400, 'AuthorizationHeaderMalformed', 'SignedHeaders must be lower-case header names');

  const scope = parseCredentialScope(parsed.credential);
  if (!scope) return fail(400, 'AuthorizationHeaderMalformed', 'the credential must be <key>/<yyyymmdd>/<region>/s3/aws4_request');
  const secretAccessKey = secretFor(scope.accessKeyId);
  if (secretAccessKey === undefined) return fail(403, 'InvalidAccessKeyId', 'the access key id you provided does not exist in our records');
  const signingDate = parseAmzDate(parsed.date);
  if (!signingDate) return denied('X-Amz-Date must be in the form yyyyMMddTHHmmssZ');

  if (parsed.expires === undefined) {
    if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) return fail(403, 'RequestTimeTooSkewed', 'the difference between the request time and the current time is too large');
  } else {
    if (signingDate.getTime() - now > MAX_SKEW_MS) return denied('the request is not valid yet');
    if (now > signingDate.getTime() + parsed.expires * 1000) return denied('the request has expired');
  }

  const signed = parsed.signedHeaders;
  if (!signed.includes('host')) return denied('the host header must be signed');
  // An unsigned x-amz-* header could turn a signed PUT into a copy or rewrite metadata.
  const unsignedAmz = Object.keys(req.headers).find((h) => h.startsWith('x-amz-') && !signed.includes(h));
  if (unsignedAmz) return denied(`the header ${unsignedAmz} is present but not signed`);
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const values = req.headers[name];
    if (!values) return denied(`the signed header ${name} is missing`);
    headers[name] = values.join(',');
  }

  const declared = parsed.expires === undefined ? headers['x-amz-content-sha256'] : presignedPayloadHash(query, headers);
  if (declared === undefined) return fail(400, 'InvalidRequest', 'missing required header for this request: x-amz-content-sha256');
  const payload = payloadOf(declared);
  if ('ok' in payload) return payload;

  const signer = new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey },
    region: scope.region,
    service: 's3',
    sha256: Sha256,
    // S3 signs the path as sent; the SDK's S3 client turns escaping off the same way.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const host = headers.host!;
  const request = {
    method: req.method,
    protocol: 'http:',
    hostname: host.replace(/:\d+$/, ''),
    path: req.path,
    query: toSignerQuery(query),
    headers,
  };
  const signableHeaders = new Set(signed);
  let expected: string | undefined;
  if (parsed.expires === undefined) {
    const out = await signer.sign(request, { signingDate, signingRegion: scope.region, signableHeaders });
    expected = /Signature=([0-9a-f]+)$/.exec(String(out.headers.authorization))?.[1];
  } else {
    // The presigned payload hash travels in a header the signer reads but must not sign or hoist.
    const withHash = { ...request, headers: { ...headers, 'x-amz-content-sha256': declared } };
    const out = await signer.presign(withHash, {
      signingDate,
      signingRegion: scope.region,
      expiresIn: parsed.expires,
      signableHeaders,
      unsignableHeaders: signableHeaders.has('x-amz-content-sha256') ? undefined : new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set(Object.keys(withHash.headers)),
    });
    expected = String(out.query?.['X-Amz-Signature'] ?? '');
  }
  if (!expected || !sameSignature(parsed.signature, expected)) {
    return fail(403, 'SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided');
  }
  return { ok: true, accessKeyId: scope.accessKeyId, presigned: parsed.expires !== undefined, payload, query };
}

interface ParsedAuth {
  credential: string;
  signedHeaders: string[];
  signature: string;
  date: string;
  /** Seconds; only on presigned requests. */
  expires?: number;
}

function parseAuthorizationHeader(values: string[], amzDate: string[] | undefined): ParsedAuth | Verdict {
  if (values.length !== 1) return fail(400, 'InvalidArgument', 'one Authorization header only');
  const value = values[0]!;
  if (!value.startsWith(`${ALGORITHM} `)) return denied(`the Authorization header must use ${ALGORITHM}`);
  const parts = new Map<string, string>();
  for (const piece of value.slice(ALGORITHM.length + 1).split(',')) {
    const at = piece.indexOf('=');
    const name = piece.slice(0, at).trim();
    if (at < 0 || parts.has(name)) return fail(400, 'AuthorizationHeaderMalformed', 'the Authorization header is malformed');
    parts.set(name, piece.slice(at + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (parts.size !== 3 || !credential || !signedHeaders || !signature) {
    return fail(400, 'AuthorizationHeaderMalformed', 'the Authorization header needs Credential, SignedHeaders and Signature');
  }
  if (amzDate?.length !== 1) return denied('header-signed requests need one x-amz-date header');
  return { credential, signedHeaders: signedHeaders.split(';'), signature, date: amzDate[0]! };
}

function parsePresignedQuery(query: QueryPair[]): ParsedAuth | Verdict {
  const one: Record<string, string> = {};
  for (const name of AUTH_QUERY) {
    const found = query.filter((p) => p.name === name);
    if (found.length !== 1) return fail(400, 'AuthorizationQueryParametersError', `presigned requests need exactly one ${name}`);
    one[name] = found[0]!.value;
  }
  if (one['X-Amz-Algorithm'] !== ALGORITHM) return fail(400, 'AuthorizationQueryParametersError', `X-Amz-Algorithm must be ${ALGORITHM}`);
  const expires = one['X-Amz-Expires']!;
  if (!/^[1-9]\d{0,6}$/.test(expires) || Number(expires) > MAX_PRESIGN_SECONDS) {
    return fail(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds');
  }
  return {
    credential: one['X-Amz-Credential']!,
    signedHeaders: one['X-Amz-SignedHeaders']!.split(';'),
    signature: one['X-Amz-Signature']!,
    date: one['X-Amz-Date']!,
    expires: Number(expires),
  };
}

function parseCredentialScope(credential: string): { accessKeyId: string; region: string } | null {
  const [accessKeyId, day, region, service, terminator, ...rest] = credential.split('/');
  if (rest.length || !accessKeyId || !day || !/^\d{8}$/.test(day) || !region || !/^[a-z0-9-]+$/.test(region)) return null;
  if (service !== 's3' || terminator !== 'aws4_request') return null;
  return { accessKeyId, region };
}

export function parseAmzDate(s: string | undefined): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return date.getUTCDate() === d && date.getUTCMonth() === mo - 1 ? date : null;
}

/** Presigned URLs sign UNSIGNED-PAYLOAD unless the client put a hash in the query or a signed header. */
function presignedPayloadHash(query: QueryPair[], headers: Record<string, string>): string {
  return query.find((p) => p.name === 'X-Amz-Content-Sha256')?.value ?? headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
}

function payloadOf(declared: string): Payload | Verdict {
  if (/^[0-9a-fA-F]{64}$/.test(declared)) return { kind: 'sha256', hex: declared.toLowerCase() };
  if (declared === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (declared === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return { kind: 'aws-chunked' };
  if (declared.startsWith('STREAMING-')) {
    // The AWS SDK for JavaScript never signs chunks; accepting them unverified would be a hole.
    return fail(501, 'NotImplemented', `${declared} is not supported by the embedded store`);
  }
  return fail(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a SHA-256 in hex');
}

function parseQuery(raw: string): QueryPair[] | null {
  const pairs: QueryPair[] = [];
  for (const part of raw.split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    try {
      // No '+' to space: the SDK escapes spaces as %20, and signing '+' literally keeps a raw '+' fail-closed.
      const name = decodeURIComponent(at < 0 ? part : part.slice(0, at));
      const value = at < 0 ? '' : decodeURIComponent(part.slice(at + 1));
      pairs.push({ name, value, raw: part });
    } catch {
      return null;
    }
  }
  return pairs;
}

function toSignerQuery(pairs: QueryPair[]): Record<string, string | string[]> {
  // A Map first: a parameter named __proto__ must stay a parameter.
  const grouped = new Map<string, string[]>();
  for (const { name, value } of pairs) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return Object.fromEntries([...grouped].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}

function sameSignature(given: string, expected: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'));
}
