/**
 * Fetches the GraphQL schema of one service from a running Sluice server by introspection over
 * `POST /api/v1/{service}/_graphql`, with the credentials the SDK is generated for: the server's
 * schema holds only the tables, columns and operations that key's or token's role may use.
 *
 * May import: nothing outside codegen (and the graphql package).
 */
import { buildClientSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { z } from 'zod';
import { CodegenError } from './codegen-error.js';
import { answerError, credentialHeaders, requestJson, serviceUrl, type DocumentSource } from './fetch-service-document.js';

const answerShape = z.object({
  data: z.looseObject({ __schema: z.looseObject({}) }).nullish(),
  errors: z.array(z.looseObject({ message: z.string() })).optional(),
});

export function graphqlUrl(base: string, service: string): string {
  return serviceUrl(base, service, '_graphql');
}

export async function fetchGraphqlSchema(source: DocumentSource): Promise<GraphQLSchema> {
  const url = graphqlUrl(source.url, source.service);
  const { response, body } = await requestJson(url, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...credentialHeaders(source) },
    body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) }),
    ...(source.signal ? { signal: source.signal } : {}),
  });
  const parsed = answerShape.safeParse(body);
  if (parsed.success && parsed.data.errors?.length) {
    const message = parsed.data.errors.map((e) => e.message).join('; ');
    throw new CodegenError(`${url} refused the introspection query: ${message} (is SLUICE_GRAPHQL_INTROSPECTION off?)`);
  }
  if (!response.ok) throw answerError(url, response, body);
  if (!parsed.success || !parsed.data.data) throw new CodegenError(`${url} did not answer an introspection result`);
  try {
    return buildClientSchema(parsed.data.data as unknown as IntrospectionQuery);
  } catch (error) {
    throw new CodegenError(`${url} answered an introspection result that is not a valid schema: ${(error as Error).message}`);
  }
}
