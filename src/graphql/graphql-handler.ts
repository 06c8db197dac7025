/**
 * `POST|GET /api/v1/{service}/_graphql`: GraphQL over HTTP (graphql-yoga), GraphiQL in browsers.
 *
 * The schema a caller sees is built for what it may read: the authorizer is asked, table by table,
 * for GET on `_table/{name}` (the same question REST asks), and the schema is taken from a cache
 * keyed on the service's catalog object and that visibility. The answers (and the schema) are kept
 * per decision scope (`Authorizer.decisionScope`: the caller's role definition) and catalog, so a
 * request asks again only when the role's definition or the catalog changed; callers without a
 * scope (users whose row filters read their claims) are asked on every request. A catalog reload (refresh,
 * DDL) makes a new catalog object, so the next request builds a fresh schema, while requests in
 * flight finish on the snapshot they started with. Role edits change the visibility, hence the key.
 * The caller's writes (POST/PATCH/DELETE per readable table) and callable routines are asked for the
 * same way and are part of the key: they decide the Mutation fields (graphql-mutations.ts) and the
 * routine fields (graphql-functions.ts). Mutation fields report their audit entries through `audit`.
 *
 * Limits from graphql-armor (depth, aliases, cost, tokens, no field suggestions when introspection
 * is off), `limit` capped at limits.maxLimit, introspection and GraphiQL switchable. Errors:
 * ApiErrors keep their message, with `code` (the HTTP status REST would answer) and `reason` in
 * `extensions`; anything else is logged and masked.
 *
 * May import: catalog, query, auth, executor, errors, config, and the request context of http.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, GraphQLSchema, NoSchemaIntrospectionCustomRule, type ExecutionResult } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Authorizer, Grant, Verb } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Catalog } from '../catalog/catalog-types.js';
import { setBounded } from '../collections.js';
import type { Config } from '../config/config-schema.js';
import { authErrors, isApiError, type ApiError } from '../errors.js';
import { clientIpOf, contextOf, presentedCredentialOf, routeParam, type DataRequest, type DataResponse, type Trust } from '../http/exchange.js';
import type { RouteHandler } from '../http/route-table.js';
import type { ServiceRegistry, ServiceSnapshot } from '../system/service-registry.js';
import { callableRoutines, routineFields, routineGrantCacheKey, type RoutineAccess } from './graphql-functions.js';
import { grantCacheKey } from './graphql-grants.js';
import { tableMutations, writableTables, writeGrantCacheKey, type MutationOptions, type WriteAccess } from './graphql-mutations.js';
import type { GraphqlContext, MutationAudit } from './graphql-scalars.js';
import { acceptedMediaType, fastRequestOf, KnownOperations, sendResult, type FastRequest, type MediaType, type RunCompiled } from './graphql-fast-path.js';
import { jitExecution } from './graphql-jit.js';
import { buildSchema, type SchemaLimits, type Visibility } from './graphql-types.js';

/** One audit entry of a mutation field, in the audit log's terms (system/audit-log.ts `AuditEntry`). */
export interface GraphqlAuditEntry extends MutationAudit {
  readonly surface: 'graphql';
  readonly principal: Principal;
  readonly credential: 'none' | 'apiKey' | 'bearer';
  readonly service: string;
  readonly requestId: string;
  readonly clientIp?: string | undefined;
  readonly at: Date;
}

export interface GraphqlDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
  readonly config: Config;
  readonly logger: Logger;
  /** Where each mutation field's audit entry goes. */
  readonly audit?: { record(entry: GraphqlAuditEntry): void };
  /** Which proxies' X-Forwarded-For to believe for the client IP of audit entries (see http/exchange.ts). */
  readonly trust: Trust;
}

/** What a caller may do beyond reading: the schema is built for it too. */
export interface CallerAccess {
  readonly writes: WriteAccess;
  readonly routines: RoutineAccess;
}

const NO_ACCESS: CallerAccess = { writes: new Map(), routines: new Map() };

/** Schemas per catalog (so a reload drops them all) and visibility; a few roles per service in practice. */
const MAX_SCHEMAS_PER_CATALOG = 64;

/**
 * The tables (and their columns) `principal` may read. A refusal (401/403) leaves the table out;
 * the first refusal is returned so that a caller who may read nothing gets REST's answer.
 */
export async function readableTables(
  authorizer: Authorizer,
  principal: Principal,
  catalog: Catalog,
): Promise<{ visibility: Visibility; grants: ReadonlyMap<string, Grant>; refusal?: ApiError }> {
  const visibility = new Map<string, ReadonlySet<string> | 'all'>();
  const grants = new Map<string, Grant>();
  let refusal: ApiError | undefined;
  for (const table of catalog.tables.values()) {
    try {
      const grant = await authorizer.authorize(principal, { service: catalog.service, resource: { kind: 'table', name: table.name }, verb: 'GET' });
      visibility.set(table.name, grant.columns);
      grants.set(table.name, grant);
    } catch (error) {
      if (!isApiError(error) || (error.status !== 401 && error.status !== 403)) throw error;
      refusal ??= error;
    }
  }
  return { visibility, grants, ...(refusal ? { refusal } : {}) };
}

const columnsKey = (columns: ReadonlySet<string> | 'all' | undefined) => (columns === undefined ? null : columns === 'all' ? '*' : [...columns].sort());

function visibilityKey(visibility: Visibility, access: CallerAccess): string {
  return JSON.stringify([
    [...visibility].map(([name, columns]) => [name, columnsKey(columns)]),
    [...access.writes].map(([name, w]) => [name, columnsKey(w.insert), columnsKey(w.update), columnsKey(w.delete)]),
    [...access.routines],
  ]);
}

export class SchemaCache {
  private readonly schemas = new WeakMap<Catalog, Map<string, GraphQLSchema>>();

  constructor(
    private readonly limits: SchemaLimits,
    private readonly logger?: Logger,
    private readonly mutationOptions: Pick<MutationOptions, 'maxRecords'> = { maxRecords: 1000 },
  ) {}

  schemaFor(catalog: Catalog, visibility: Visibility, access: CallerAccess = NO_ACCESS): GraphQLSchema {
    let byVisibility = this.schemas.get(catalog);
    if (!byVisibility) {
      byVisibility = new Map();
      this.schemas.set(catalog, byVisibility);
    }
    const key = visibilityKey(visibility, access);
    let schema = byVisibility.get(key);
    if (!schema) {
      const mutationOptions = { ...this.mutationOptions, conditionalUpsert: catalog.engine === 'postgres' };
      const extensions = [tableMutations(access.writes, mutationOptions), routineFields(catalog, access.routines)];
      schema = buildSchema(visibility, catalog.tables, this.limits, this.logger, extensions);
      setBounded(byVisibility, key, schema, MAX_SCHEMAS_PER_CATALOG);
    }
    return schema;
  }
}

/** What one caller may do on a service's catalog, with the schema built for it. */
interface CallerView {
  /** Set when the caller may read nothing: the answer to every request. */
  readonly refusal?: ApiError;
  readonly schema: GraphQLSchema;
  /**
   * The grants the schema was built from, under the request-cache keys the resolvers look them up
   * by (read, write and routine grants), so the schema and the resolvers agree.
   */
  readonly grants: ReadonlyMap<string, Promise<Grant>>;
}

function grantEntries(
  service: string,
  readGrants: ReadonlyMap<string, Grant>,
  writeGrants: readonly (readonly [table: string, verb: Verb, grant: Grant])[],
  routineGrants: readonly (readonly [name: string, verb: Verb, grant: Grant])[],
): ReadonlyMap<string, Promise<Grant>> {
  const entries = new Map<string, Promise<Grant>>();
  for (const [table, grant] of readGrants) entries.set(grantCacheKey(service, table), Promise.resolve(grant));
  for (const [table, verb, grant] of writeGrants) entries.set(writeGrantCacheKey(service, table, verb), Promise.resolve(grant));
  for (const [name, verb, grant] of routineGrants) entries.set(routineGrantCacheKey(service, name, verb), Promise.resolve(grant));
  return entries;
}

const NOTHING_READABLE = new GraphQLSchema({});

async function buildCallerView(authorizer: Authorizer, principal: Principal, catalog: Catalog, cache: SchemaCache): Promise<CallerView> {
  const { service } = catalog;
  const { visibility, grants, refusal } = await readableTables(authorizer, principal, catalog);
  if (visibility.size === 0) {
    const answer = refusal ?? authErrors.forbidden(`Nothing in service '${service}' may be read`, { service });
    return { refusal: answer, schema: NOTHING_READABLE, grants: grantEntries(service, grants, [], []) };
  }
  const readable = [...visibility.keys()].flatMap((name) => catalog.tables.get(name) ?? []);
  const writeGrants: [string, Verb, Grant][] = [];
  const writes = await writableTables(authorizer, principal, service, readable, (table, verb, grant) => writeGrants.push([table, verb, grant]));
  const routineGrants: [string, Verb, Grant][] = [];
  const routines = await callableRoutines(authorizer, principal, catalog, (name, verb, grant) => routineGrants.push([name, verb, grant]));
  return { schema: cache.schemaFor(catalog, visibility, { writes, routines }), grants: grantEntries(service, grants, writeGrants, routineGrants) };
}

interface Prepared {
  readonly schema: GraphQLSchema;
  readonly snapshot: ServiceSnapshot;
  /** The grants of the caller's view, preset for the request: what its statement plans are kept by. */
  readonly grants: CallerView['grants'];
}

function preparedOf(res: DataResponse): Prepared {
  const prepared = res.locals?.graphql as Prepared | undefined;
  if (!prepared) throw new Error('the GraphQL schema was not prepared');
  return prepared;
}

/**
 * A GraphQLError (by name, not instanceof: graphql may be loaded twice, its CommonJS and ESM builds,
 * by yoga and by armor) and what it wraps; `original` is the value itself for anything else.
 */
function unwrapped(value: unknown): { readonly graphqlError?: GraphQLError; readonly original: unknown } {
  if (!(value instanceof Error && value.name === 'GraphQLError')) return { original: value };
  const graphqlError = value as GraphQLError;
  return { graphqlError, original: graphqlError.originalError ?? graphqlError };
}

/** An error the client caused (an ApiError under 500, possibly wrapped in a GraphQLError). */
function isClientFault(value: unknown): boolean {
  const { original } = unwrapped(value);
  return isApiError(original) && original.status < 500;
}

/** What a client reads in place of an error it must not see (yoga's default wording). */
const UNEXPECTED_ERROR = 'Unexpected error.';

const noIntrospection: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
};

/**
 * The handler of the `_graphql` route (any method: yoga answers GET, POST and the rest). The HTTP
 * layer imports this module on the first GraphQL request (see http/create-app.ts).
 */
export function graphqlHandler(deps: GraphqlDeps): RouteHandler {
  const { config } = deps;
  const limits: SchemaLimits = { maxLimit: config.limits.maxLimit, maxDepth: config.limits.filterMaxDepth, maxInList: config.limits.inListMaxSize };
  const cache = new SchemaCache(limits, deps.logger, { maxRecords: config.limits.maxRecordsPerWrite });

  const maskError = (error: unknown, message: string): Error => {
    const { graphqlError, original } = unwrapped(error);
    const where = graphqlError ? { nodes: graphqlError.nodes, path: graphqlError.path } : {};
    if (isApiError(original)) {
      return new GraphQLError(original.message, { ...where, extensions: { code: original.status, reason: original.reason, ...original.context } });
    }
    // Errors of the GraphQL layer itself (syntax, validation, variables, limits) are meant for the client.
    if (graphqlError && !graphqlError.originalError) return graphqlError;
    deps.logger.error({ err: original }, 'GraphQL resolver failed');
    return new GraphQLError(message, where);
  };

  /** The resolvers' context: the same for requests through yoga and through the fast path. */
  const contextFor = ({ req, res }: { req: DataRequest; res: DataResponse }): GraphqlContext => {
    const { snapshot, grants } = preparedOf(res);
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const credential = presentedCredentialOf(req);
    const recordMutation = (entry: MutationAudit) =>
      deps.audit?.record({
        ...entry,
        surface: 'graphql',
        principal: ctx.principal,
        credential,
        service,
        requestId: ctx.requestId,
        clientIp: clientIpOf(req, deps.trust),
        at: new Date(Date.now() - entry.durationMs),
      });
    return { ctx, service, catalog: snapshot.catalog, executor: snapshot.executor, authorizer: deps.authorizer, recordMutation, planScope: grants };
  };

  const known = new KnownOperations();
  const yoga = createYoga<{ req: DataRequest; res: DataResponse }, GraphqlContext>({
    graphqlEndpoint: '/api/v1/:service/_graphql',
    schema: ({ res }) => preparedOf(res).schema,
    context: contextFor,
    // CORS is answered for every /api/v1 path by the CORS middleware (http/cors.ts), from the
    // configured origins. Yoga's own default would echo any Origin with credentials allowed,
    // overriding that answer on this one path.
    cors: false,
    graphiql: config.graphqlGraphiql ? { title: 'Sluice GraphQL' } : false,
    landingPage: false,
    maskedErrors: { maskError, errorMessage: UNEXPECTED_ERROR },
    logging: {
      debug: (...args) => deps.logger.debug(args.map(String).join(' ')),
      info: (...args) => deps.logger.info(args.map(String).join(' ')),
      warn: (...args) => deps.logger.warn(args.map(String).join(' ')),
      // Yoga logs each error its masking replaced; those the client caused (a refusal, a bad value,
      // a client that went away) are not the server's fault.
      error: (...args) => (args.some(isClientFault) ? deps.logger.debug(args.map(String).join(' ')) : deps.logger.error(args.map(String).join(' '))),
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: config.graphqlMaxDepth },
        maxAliases: { n: config.graphqlMaxAliases },
        costLimit: { maxCost: config.graphqlMaxCost },
        maxTokens: { n: config.graphqlMaxTokens },
        blockFieldSuggestion: { enabled: !config.graphqlIntrospection },
      }),
      ...(config.graphqlIntrospection ? [] : [noIntrospection]),
      jitExecution(known),
    ],
  });

  // What each caller may do, and the schema built for it, per decision scope and catalog (see
  // `Authorizer.decisionScope`): dozens of decisions per request otherwise, the same every time.
  const views = new WeakMap<object, WeakMap<Catalog, Promise<CallerView>>>();
  const callerView = async (principal: Principal, snapshot: ServiceSnapshot): Promise<CallerView> => {
    const scope = await deps.authorizer.decisionScope?.(principal, snapshot.catalog.service);
    if (!scope) return buildCallerView(deps.authorizer, principal, snapshot.catalog, cache);
    let byCatalog = views.get(scope);
    if (!byCatalog) {
      byCatalog = new WeakMap();
      views.set(scope, byCatalog);
    }
    let view = byCatalog.get(snapshot.catalog);
    if (!view) {
      view = buildCallerView(deps.authorizer, principal, snapshot.catalog, cache);
      byCatalog.set(snapshot.catalog, view);
      view.catch(() => byCatalog.delete(snapshot.catalog)); // failures (the store, say) are not kept
    }
    return view;
  };

  // Authorization and the schema are settled before yoga runs, so a caller who may read nothing
  // gets the same 401/403 envelope as on REST.
  const prepare = async (req: DataRequest, res: DataResponse): Promise<void> => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const snapshot = deps.registry.snapshot(service);
    const view = await callerView(ctx.principal, snapshot);
    if (view.refusal) throw view.refusal;
    // The resolvers' grants are the ones the schema was built from: the schema and the reads agree.
    ctx.presetCache(view.grants);
    (res.locals ??= {}).graphql = { schema: view.schema, snapshot, grants: view.grants } satisfies Prepared;
  };
  /**
   * Runs an operation yoga has accepted before for this schema (see graphql-fast-path.ts). Errors go
   * through the same `maskError` as yoga's (which logs the unexpected ones); yoga's wrapper would also
   * log every masked client error (a 403, say) at error level, which is left out here.
   */
  const runKnown = async (req: DataRequest, res: DataResponse, params: FastRequest, run: RunCompiled, mediaType: MediaType): Promise<void> => {
    let result: ExecutionResult;
    try {
      result = await run(undefined, contextFor({ req, res }), params.variables);
    } catch (error) {
      result = { errors: [error instanceof GraphQLError ? error : new GraphQLError(UNEXPECTED_ERROR, { originalError: error as Error })] };
    }
    if (result.errors?.length) result = { ...result, errors: result.errors.map((error) => maskError(error, UNEXPECTED_ERROR) as GraphQLError) };
    sendResult(res, result, mediaType);
  };

  return async (req: DataRequest, res: DataResponse) => {
    await prepare(req, res);
    const params = fastRequestOf(req);
    const run = params && known.find(preparedOf(res).schema, params.query, params.operationName);
    const mediaType = run && acceptedMediaType(req);
    if (params && run && mediaType) return runKnown(req, res, params, run, mediaType);
    await yoga(req, res);
  };
}
