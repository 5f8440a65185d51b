import { randomBytes } from 'node:crypto';

/**
 * The few S3 XML bodies the embedded store writes itself (errors from the authenticating
 * proxy, and the multipart listings s3rver lacks), in the shape the AWS SDK parses.
 */
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export const xmlEscape = (s: string): string =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export type XmlValue = string | number | boolean | Date | XmlNode | XmlNode[];
export interface XmlNode {
  [name: string]: XmlValue;
}

function render(node: XmlNode): string {
  return Object.entries(node)
    .map(([name, v]) => {
      if (Array.isArray(v)) return v.map((child) => `<${name}>${render(child)}</${name}>`).join('');
      if (v instanceof Date) return `<${name}>${v.toISOString()}</${name}>`;
      if (typeof v === 'object') return `<${name}>${render(v)}</${name}>`;
      return `<${name}>${xmlEscape(String(v))}</${name}>`;
    })
    .join('');
}

export function xmlDocument(root: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${render(body)}</${root}>`;
}

export interface S3ErrorInfo {
  status: number;
  code: string;
  message: string;
}

/** No StringToSign or canonical request in the body: they would help whoever is guessing. */
export function errorDocument(e: S3ErrorInfo, resource: string): string {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${render({ Code: e.code, Message: e.message, Resource: resource, RequestId: requestId })}</Error>`;
}

export const s3Error = (status: number, code: string, message: string): S3ErrorInfo => ({ status, code, message });
