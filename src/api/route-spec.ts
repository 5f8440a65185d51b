import type { z } from '@hono/zod-openapi';
import { ProblemSchema } from './schemas';

/** Pieces of an OpenAPI route description that every route file shares. */
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
export const security = [{ apiKey: [] }];
