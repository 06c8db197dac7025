/**
 * The source of the generated REST wrapper (`rest/client.ts`): a small typed layer on `openapi-fetch`
 * for one service, beside the types openapi-typescript writes to `rest/schema.ts`.
 *
 * What the wrapper adds to openapi-fetch's path-typed `GET`/`POST`/…: a `Tables` map (each table or
 * view the role may list → its row type, as `_doc` describes it for that role), and `listRows` /
 * `getRow` whose `fields`, `filter` and `order` are checked against those columns and whose rows are
 * typed by the chosen `fields`. Failures come back as the typed error envelope, never as `any`.
 *
 * The tables are read from the document's paths (`{base}/_table/{name}` with a `get`); the row type
 * is the component the list operation's `resource` items refer to — so the SDK holds exactly what
 * the document shows, and a hidden table or column is a compile error in the caller's code.
 *
 * Pure: a document in, a string out.
 */
import { CodegenError } from './codegen-error.js';
import type { ServiceDocument } from './fetch-service-document.js';

export interface TableEntry {
  /** The SQL name, as REST paths use it. */
  readonly name: string;
  /** The component schema of its rows, e.g. `shop.table.orders`. */
  readonly rowComponent: string;
  readonly description?: string;
  /** True when `{base}/_table/{name}/{id}` can be read (the table has a primary key). */
  readonly keyed: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows `a.b.c` through nested objects. */
function dig(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** The tables and views of `service` whose records the document lets the caller list. */
export function listableTables(document: ServiceDocument, service: string): TableEntry[] {
  const prefix = `/api/v1/${service}/_table/`;
  const tables: TableEntry[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith(prefix)) continue;
    const segment = path.slice(prefix.length);
    if (segment.includes('/')) continue;
    const list = item.get;
    if (!isObject(list)) continue;
    const name = decodeURIComponent(segment);
    const ref = dig(list, 'responses', '200', 'content', 'application/json', 'schema', 'properties', 'resource', 'items', '$ref');
    const match = typeof ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(ref) : null;
    if (!match?.[1]) throw new CodegenError(`The document's list operation of table ${name} does not name its row schema: is the server a Sluice of this version?`);
    const rowComponent = match[1];
    const schema = document.components?.schemas?.[rowComponent];
    if (!isObject(schema)) throw new CodegenError(`The document refers to a schema ${rowComponent} it does not define`);
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    const keyed = isObject(document.paths[`${path}/{id}`]?.get);
    tables.push({ name, rowComponent, keyed, ...(description ? { description } : {}) });
  }
  return tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A string literal of `text`. */
export const literal = (text: string) => JSON.stringify(text);
/** Text safe inside a `/** … *\/` comment. */
export const commentText = (text: string) => text.replace(/\*\//g, '*\u200b/').replace(/\s+/g, ' ').trim();

export interface RestClientSourceOptions {
  readonly service: string;
  /** Where the document came from, for the header comment. */
  readonly documentUrl: string;
}

export function restClientSource(document: ServiceDocument, options: RestClientSourceOptions): string {
  const { service } = options;
  const tables = listableTables(document, service);
  const first = tables[0]?.name ?? 'TABLE';
  const example = commentText(literal(first));
  const exampleEncoded = commentText(encodeURIComponent(first));
  const schemas = document.components?.schemas ?? {};
  const tableLines = tables.map((t) => {
    const doc = `  /** \`${commentText(t.name)}\`${t.description ? `: ${commentText(t.description)}` : ''} */\n`;
    return `${doc}  ${literal(t.name)}: components["schemas"][${literal(t.rowComponent)}];`;
  });
  const keyed = tables.filter((t) => t.keyed).map((t) => literal(t.name));
  // Shared components are emitted only when an operation uses them: fall back to their shape.
  const errorType = 'Error' in schemas
    ? 'components["schemas"]["Error"]'
    : '{ error: { code: number; message: string; context: { reason?: string; [key: string]: unknown } } }';
  const listMetaType = 'ListMeta' in schemas
    ? 'components["schemas"]["ListMeta"]'
    : '{ count: number; total?: number; limit?: number; offset?: number; took_ms?: number }';

  return `/**
 * Typed REST client of Sluice service ${literal(service)}, generated by \`sluice codegen\` from
 * ${commentText(options.documentUrl)}
 * as the credentials' role sees it. Do not edit: run \`sluice codegen\` again when the API changes.
 * Needs the \`openapi-fetch\` package.
 *
 *   const sluice = createSluiceClient({ baseUrl: "http://localhost:8080", apiKey });
 *   const { data, error } = await sluice.listRows(${example}, { limit: 5 });
 *   const raw = await sluice.GET("/api/v1/${service}/_table/${exampleEncoded}", { params: { query: { limit: 5 } } });
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";

/** The service this client was generated for. */
export const SERVICE = ${literal(service)};
const TABLE_BASE = ${literal(`/api/v1/${service}/_table`)};

/** Each table and view the role may list, with its row as the role may read it. */
export interface Tables {
${tableLines.join('\n')}
}

export type TableName = keyof Tables;
/** The tables whose records \`getRow\` reads by primary key. */
export type KeyedTableName = ${keyed.length ? keyed.join(' | ') : 'never'};
export type Column<T extends TableName> = keyof Tables[T] & string;
/** A row of \`T\` with the columns \`C\` (all the role may read when no \`fields\` are given). */
export type Row<T extends TableName, C extends Column<T> = Column<T>> = Required<Pick<Tables[T], C>>;

/** The envelope of every failed request: \`{ error: { code, message, context: { reason, … } } }\`. */
export type SluiceError = ${errorType};
export type ListMeta = ${listMetaType};

type Value<T extends TableName, C extends Column<T>> = Exclude<Tables[T][C], null | undefined>;

/** Conditions on one column, ANDed. \`in\` takes a list; \`is\` tests null, not null, true or false. */
export interface Condition<V> {
  eq?: V;
  neq?: V;
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  /** SQL LIKE pattern: \`%\` (or \`*\`) matches any text, \`_\` one character. */
  like?: string;
  ilike?: string;
  in?: readonly V[];
  is?: null | "not.null" | boolean;
}

/** Column conditions, ANDed: \`{ status: "paid", total: { gte: "100" } }\` (a bare value means \`eq\`). */
export type Filter<T extends TableName> = { [C in Column<T>]?: Value<T, C> | Condition<Value<T, C>> };

/** A column, optionally followed by a direction: \`"total DESC"\`. */
export type OrderTerm<T extends TableName> = Column<T> | \`\${Column<T>} \${"ASC" | "DESC" | "asc" | "desc"}\`;

export interface ListOptions<T extends TableName, C extends Column<T> = Column<T>> {
  /** The columns to return; the rows are typed by them. Default: every column the role may read. */
  fields?: readonly C[];
  filter?: Filter<T>;
  order?: OrderTerm<T> | readonly OrderTerm<T>[];
  limit?: number;
  offset?: number;
  /** Adds \`meta.total\`: the rows matching the filter. */
  includeCount?: boolean;
  signal?: AbortSignal;
}

export interface GetOptions<T extends TableName, C extends Column<T> = Column<T>> {
  fields?: readonly C[];
  signal?: AbortSignal;
}

/** A primary key value; for a composite key, the values in key order. */
export type RecordId = string | number | readonly (string | number)[];

export interface RowList<R> {
  resource: R[];
  meta: ListMeta;
}

/** openapi-fetch's result shape, with the error always the typed envelope. */
export type Result<T> = { data: T; error?: undefined; response: Response } | { data?: undefined; error: SluiceError; response: Response };

export interface SluiceClientOptions extends Omit<ClientOptions, "baseUrl" | "headers"> {
  /** The server, e.g. \`http://localhost:8080\`. */
  baseUrl: string;
  /** Sent as \`X-API-Key\`. */
  apiKey?: string;
  /** Sent as \`Authorization: Bearer …\` (a session token or an end-user JWT). */
  token?: string;
  headers?: Record<string, string>;
}

export interface TableHelpers {
  readonly service: typeof SERVICE;
  /** \`GET _table/{table}\` with typed \`fields\`, \`filter\` and \`order\`. */
  listRows<T extends TableName, C extends Column<T> = Column<T>>(table: T, options?: ListOptions<T, C>): Promise<Result<RowList<Row<T, C>>>>;
  /** \`GET _table/{table}/{id}\`. */
  getRow<T extends KeyedTableName, C extends Column<T> = Column<T>>(table: T, id: RecordId, options?: GetOptions<T, C>): Promise<Result<Row<T, C>>>;
}

/**
 * openapi-fetch's client typed by the paths of the document (JSON bodies: Sluice answers NDJSON only
 * when asked with \`Accept: application/x-ndjson\`), plus the table helpers.
 */
export type SluiceClient = Client<paths, "application/json"> & TableHelpers;

const OPERATORS = new Set(["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "in", "is"]);

function isCondition(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).every((key) => OPERATORS.has(key));
}

function text(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** One \`in\` list item, double-quoted so commas and parentheses in values survive. */
function listItem(value: unknown): string {
  return \`"\${text(value).replace(/"/g, '\\\\"')}"\`;
}

/** \`filter\` as PostgREST-style \`{column}.{op}=value\` query parameters. */
function conditionParams(filter: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [column, spec] of Object.entries(filter)) {
    if (spec === undefined) continue;
    const condition: Record<string, unknown> = isCondition(spec) ? spec : { eq: spec };
    for (const [op, value] of Object.entries(condition)) {
      if (value === undefined) continue;
      if (op === "in") out[\`\${column}.in\`] = \`(\${(value as readonly unknown[]).map(listItem).join(",")})\`;
      else if (op === "is") out[\`\${column}.is\`] = value === null ? "null" : text(value);
      else out[\`\${column}.\${op}\`] = text(value);
    }
  }
  return out;
}

interface QueryOptions {
  fields?: readonly string[];
  filter?: object;
  order?: string | readonly string[];
  limit?: number;
  offset?: number;
  includeCount?: boolean;
}

function queryOf(options: QueryOptions): Record<string, string> {
  const query = conditionParams(options.filter ?? {});
  if (options.fields) query.fields = options.fields.join(",");
  if (options.order !== undefined) query.order = (typeof options.order === "string" ? [options.order] : options.order).join(", ");
  if (options.limit !== undefined) query.limit = String(options.limit);
  if (options.offset !== undefined) query.offset = String(options.offset);
  if (options.includeCount) query.include_count = "true";
  return query;
}

function envelopeOf(error: unknown, response: Response): SluiceError {
  if (typeof error === "object" && error !== null && "error" in error) return error as SluiceError;
  const message = typeof error === "string" && error ? error : response.statusText || "Unexpected response";
  return { error: { code: response.status, message, context: { reason: "unexpectedResponse" } } };
}

/** The helpers build their own paths and queries, so they call openapi-fetch untyped. */
type LooseGet = (
  path: string,
  init: { params: { query: Record<string, string> }; querySerializer: (query: Record<string, string>) => string; signal?: AbortSignal },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

export function createSluiceClient({ apiKey, token, headers, ...options }: SluiceClientOptions): SluiceClient {
  const client = createClient<paths, "application/json">({
    ...options,
    headers: {
      ...(apiKey ? { "X-API-Key": apiKey } : {}),
      ...(token ? { Authorization: \`Bearer \${token}\` } : {}),
      ...headers,
    },
  });
  const get = client.GET as unknown as LooseGet;

  async function read<R>(path: string, query: Record<string, string>, signal: AbortSignal | undefined): Promise<Result<R>> {
    const { data, error, response } = await get(path, {
      params: { query },
      querySerializer: (q) => new URLSearchParams(q).toString(),
      ...(signal ? { signal } : {}),
    });
    if (response.ok && data !== undefined) return { data: data as R, response };
    return { error: envelopeOf(error, response), response };
  }

  function listRows<T extends TableName, C extends Column<T> = Column<T>>(table: T, options: ListOptions<T, C> = {}): Promise<Result<RowList<Row<T, C>>>> {
    return read(\`\${TABLE_BASE}/\${encodeURIComponent(table)}\`, queryOf(options), options.signal);
  }

  function getRow<T extends KeyedTableName, C extends Column<T> = Column<T>>(table: T, id: RecordId, options: GetOptions<T, C> = {}): Promise<Result<Row<T, C>>> {
    const key = typeof id === "object" ? id.join(",") : String(id);
    return read(\`\${TABLE_BASE}/\${encodeURIComponent(table)}/\${encodeURIComponent(key)}\`, queryOf(options), options.signal);
  }

  const helpers: TableHelpers = { service: SERVICE, listRows, getRow };
  return Object.assign(client, helpers);
}
`;
}
