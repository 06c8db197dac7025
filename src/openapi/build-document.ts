/**
 * The OpenAPI 3.1 document of what one caller may do: for each service, the paths of the REST
 * contract it is allowed (tables and their records, `_proc`, `_schema`), with component schemas
 * derived from the catalog (json-schemas.ts; names.ts for component naming; shared-components.ts
 * for the error responses, envelopes and parameters). Built from
 * `ServiceAccess` values, so the document never shows an operation the authorizer would refuse.
 *
 * Shared parameters, responses and schemas are emitted only when an operation uses them, so every
 * component of a document is referenced (a role that may only read gets no 409 response).
 *
 * May import: catalog, query, auth (types), config (types).
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Verb } from '../auth/authorizer.js';
import type { Procedure, Relation, Table } from '../catalog/catalog-types.js';
import type { Limits } from '../config/config-schema.js';
import { inputParameters, uncallableReason } from '../query/call-plan.js';
import type { ProcedureAccess, ServiceAccess, TableAccess } from './access.js';
import { argumentsSchema, insertSchema, recordSchema, updateSchema, valueSchema, type Schema } from './json-schemas.js';
import { operationId, procedureComponent, regexEscape, tableComponent } from './names.js';
import { ERROR_RESPONSES, READ_ERRORS, SHARED_SCHEMAS, sharedParameters, WRITE_ERRORS, type ErrorStatus } from './shared-components.js';

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;
type Parameter = OpenAPIV3_1.ParameterObject;
type Ref = OpenAPIV3_1.ReferenceObject;
type SchemaOrRef = Schema | Ref;
/**
 * openapi-types declares 3.1 path items with 3.0 operations (their request bodies take 3.0
 * schemas), so path items are typed here and handed over as the 3.1 PathsObject once, in build().
 */
type PathItem = { parameters?: Ref[] } & Partial<Record<Lowercase<Verb>, Operation>>;

export interface DocumentOptions {
  readonly title: string;
  readonly description: string;
  /** The server the paths are relative to, e.g. `http://localhost:8080`. */
  readonly serverUrl: string;
  readonly limits: Pick<Limits, 'defaultLimit' | 'maxLimit'>;
}

/** The most records one write accepts (write contract). */
const MAX_BATCH = 1000;
const NDJSON = 'application/x-ndjson';

const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string): Ref => ({ $ref: `#/components/${kind}/${name}` });

class DocumentBuilder {
  private readonly paths: Record<string, PathItem> = {};
  private readonly schemas: Record<string, SchemaOrRef> = {};
  private readonly parameters: Record<string, Parameter> = {};
  private readonly responses: Record<string, OpenAPIV3_1.ResponseObject> = {};
  private readonly tags: OpenAPIV3_1.TagObject[] = [];
  private readonly sharedParams: Record<string, Parameter>;

  constructor(private readonly options: DocumentOptions) {
    this.sharedParams = sharedParameters(options.limits);
  }

  private schema(name: string): Ref {
    if (!(name in this.schemas)) {
      const shared = SHARED_SCHEMAS[name];
      if (!shared) throw new Error(`no shared schema ${name}`);
      this.schemas[name] = shared;
      // Shared schemas reference each other: emit those too.
      for (const match of JSON.stringify(shared).matchAll(/#\/components\/schemas\/([A-Za-z]+)/g)) this.schema(match[1] as string);
    }
    return ref('schemas', name);
  }

  private param(name: string): Ref {
    const parameter = this.sharedParams[name];
    if (!parameter) throw new Error(`no shared parameter ${name}`);
    this.parameters[name] = parameter;
    return ref('parameters', name);
  }

  private errors(statuses: readonly ErrorStatus[]): OpenAPIV3_1.ResponsesObject {
    const out: OpenAPIV3_1.ResponsesObject = {};
    for (const status of statuses) {
      const [name, description] = ERROR_RESPONSES[status];
      this.responses[name] = { description, content: { 'application/json': { schema: this.schema('Error') } } };
      out[String(status)] = ref('responses', name);
    }
    return out;
  }

  private json(description: string, schema: SchemaOrRef): OpenAPIV3_1.ResponseObject {
    return { description, content: { 'application/json': { schema } } };
  }

  private listOf(items: SchemaOrRef): Schema {
    return { type: 'object', required: ['resource', 'meta'], properties: { resource: { type: 'array', items }, meta: this.schema('ListMeta') } };
  }

  private setOperation(path: string, method: Lowercase<Verb>, operation: Operation, pathParameters?: Ref[]): void {
    const item = (this.paths[path] ??= {});
    if (pathParameters) item.parameters = pathParameters;
    item[method] = operation;
  }

  addService(access: ServiceAccess): void {
    const { service } = access;
    this.tags.push({ name: service, description: `Service '${service}' (${access.catalog.variant} ${access.catalog.serverVersion})` });
    const base = `/api/v1/${encodeURIComponent(service)}`;
    const readable = access.tables.filter((t) => t.verbs.has('GET'));
    if (readable.length > 0) {
      this.setOperation(`${base}/_table`, 'get', {
        operationId: operationId(service, 'service', undefined, 'listTables'),
        summary: 'List tables and views',
        tags: [service],
        responses: { 200: this.json('The tables and views the caller may read', this.schema('TableNames')), ...this.errors(READ_ERRORS) },
      });
    }
    // Relations are embedded only when their tables may be read too: the others are not mentioned.
    const readableNames = new Set(readable.map((t) => t.table.name));
    for (const table of access.tables) if (table.verbs.size > 0) this.addTable(service, base, table, readableNames);
    this.addProcedures(access, base);
    this.addSchemaPaths(access, base);
  }

  private addTable(service: string, base: string, access: TableAccess, readableNames: ReadonlySet<string>): void {
    const { table, verbs } = access;
    const path = `${base}/_table/${encodeURIComponent(table.name)}`;
    const readGrant = verbs.get('GET') ?? [...verbs.values()][0];
    const recordName = tableComponent(service, table.name);
    this.schemas[recordName] = recordSchema(table, readGrant?.columns ?? 'all');
    const record = ref('schemas', recordName);
    const writeBody = (variant: 'insert' | 'update', grantVerb: Verb): Ref => {
      const name = tableComponent(service, table.name, variant);
      const columns = verbs.get(grantVerb)?.columns ?? 'all';
      this.schemas[name] ??= variant === 'insert' ? insertSchema(table, columns) : updateSchema(table, columns);
      return ref('schemas', name);
    };
    const batch = (item: Ref, extra: SchemaOrRef[] = []): OpenAPIV3_1.RequestBodyObject => ({
      required: true,
      content: {
        'application/json': {
          schema: {
            anyOf: [
              item,
              { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: item },
              { type: 'object', required: ['resource'], properties: { resource: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: item } } },
              ...extra,
            ],
          },
        },
      },
    });
    const listResponse = (description: string) => this.json(description, this.listOf(record));
    const id = (action: string, kind: 'table' | 'record' = 'table') => operationId(service, kind, table.name, action);
    const kind = table.kind === 'table' ? 'table' : 'view';
    const relationParams = this.relationParameters(
      table.relations.filter((r) => readableNames.has(r.target) && (r.kind !== 'manyToMany' || readableNames.has(r.junction.table))),
    );

    if (verbs.has('GET')) {
      this.setOperation(path, 'get', {
        operationId: id('list'),
        summary: `Read records of ${kind} ${table.name}`,
        description: 'Filter, choose fields, sort, page, aggregate and embed related records. `Accept: application/x-ndjson` streams the rows.',
        tags: [service],
        parameters: [
          ...['filter', 'fields', 'order', 'limit', 'offset', 'include_count', 'ids', 'group', 'related', 'select'].map((p) => this.param(p)),
          this.postgrestConditions(table, readGrant?.columns ?? 'all'),
          ...relationParams,
        ],
        responses: {
          200: {
            description: 'The records',
            content: {
              'application/json': { schema: this.listOf(record) },
              [NDJSON]: { schema: record },
            },
          },
          ...this.errors(READ_ERRORS),
        },
      });
    }
    if (verbs.has('POST')) {
      this.setOperation(path, 'post', {
        operationId: id('create'),
        summary: `Insert records into ${table.name}`,
        tags: [service],
        parameters: ['fields', 'upsert', 'rollback', 'prefer'].map((p) => this.param(p)),
        requestBody: batch(writeBody('insert', 'POST')),
        responses: {
          201: listResponse('The created records, with generated values'),
          207: this.json('Some records failed (rollback=false): the created ones and the failures', {
            type: 'object',
            required: ['resource', 'errors', 'meta'],
            properties: {
              resource: { type: 'array', items: record },
              errors: { type: 'array', items: this.schema('WriteFailure') },
              meta: this.schema('WriteMeta'),
            },
          }),
          ...this.errors(WRITE_ERRORS),
        },
      });
    }
    if (verbs.has('PUT')) {
      this.setOperation(path, 'put', {
        operationId: id('replace'),
        summary: `Replace records of ${table.name}`,
        description: 'Records carry their primary key, or one record is applied to the rows `filter` or `ids` select. Missing columns are reset to their default.',
        tags: [service],
        parameters: ['fields', 'filter', 'ids'].map((p) => this.param(p)),
        requestBody: batch(writeBody('insert', 'PUT')),
        responses: { 200: listResponse('The replaced records'), ...this.errors(WRITE_ERRORS) },
      });
    }
    if (verbs.has('PATCH')) {
      this.setOperation(path, 'patch', {
        operationId: id('update'),
        summary: `Update fields of records of ${table.name}`,
        description: 'The rows `filter` or `ids` (query, or `ids` in the body) select, or records carrying their primary key.',
        tags: [service],
        parameters: ['fields', 'filter', 'ids'].map((p) => this.param(p)),
        requestBody: batch(writeBody('update', 'PATCH'), [
          { type: 'object', required: ['ids'], properties: { ids: { type: 'array', minItems: 1, items: {} } }, additionalProperties: true },
        ]),
        responses: { 200: listResponse('The updated records'), ...this.errors(WRITE_ERRORS) },
      });
    }
    if (verbs.has('DELETE')) {
      this.setOperation(path, 'delete', {
        operationId: id('delete'),
        summary: `Delete records of ${table.name}`,
        description: 'The rows `filter` or `ids` select, or the body names them; a delete selecting nothing explicitly is refused (400).',
        tags: [service],
        parameters: ['filter', 'ids'].map((p) => this.param(p)),
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                anyOf: [
                  { type: 'object', required: ['ids'], properties: { ids: { type: 'array', minItems: 1, items: {} } } },
                  { type: 'object', required: ['resource'], properties: { resource: { type: 'array', minItems: 1, items: { type: 'object' } } } },
                ],
              },
            },
          },
        },
        responses: {
          200: this.json('How many records were deleted', { type: 'object', required: ['meta'], properties: { meta: this.schema('WriteMeta') } }),
          ...this.errors(WRITE_ERRORS),
        },
      });
    }
    if (table.primaryKey.length > 0) this.addRecordPaths(service, path, access, record, writeBody, relationParams);
  }

  private addRecordPaths(
    service: string,
    tablePath: string,
    { table, verbs }: TableAccess,
    record: Ref,
    writeBody: (variant: 'insert' | 'update', verb: Verb) => Ref,
    relationParams: Parameter[],
  ): void {
    const path = `${tablePath}/{id}`;
    const pathParams = () => [this.param('recordId')];
    const id = (action: string) => operationId(service, 'record', table.name, action);
    const one = (description: string) => this.json(description, record);
    const body = (schema: Ref): OpenAPIV3_1.RequestBodyObject => ({ required: true, content: { 'application/json': { schema } } });
    const key = table.primaryKey.join(', ');
    if (verbs.has('GET')) {
      this.setOperation(
        path,
        'get',
        {
          operationId: id('get'),
          summary: `Read one record of ${table.name} by ${key}`,
          tags: [service],
          parameters: [this.param('fields'), this.param('related'), ...relationParams],
          responses: { 200: one('The record'), ...this.errors(READ_ERRORS) },
        },
        pathParams(),
      );
    }
    const writes: [Verb, Lowercase<Verb>, string, string, (() => Ref) | undefined][] = [
      ['PUT', 'put', 'replace', `Replace one record of ${table.name}`, () => writeBody('insert', 'PUT')],
      ['PATCH', 'patch', 'update', `Update fields of one record of ${table.name}`, () => writeBody('update', 'PATCH')],
      ['DELETE', 'delete', 'delete', `Delete one record of ${table.name}`, undefined],
    ];
    for (const [verb, method, action, summary, bodySchema] of writes) {
      if (!verbs.has(verb)) continue;
      const requestBody = bodySchema?.();
      this.setOperation(
        path,
        method,
        {
          operationId: id(action),
          summary,
          tags: [service],
          parameters: [this.param('fields')],
          ...(requestBody ? { requestBody: body(requestBody) } : {}),
          responses: { 200: one(verb === 'DELETE' ? 'The deleted record' : 'The record as stored'), ...this.errors(WRITE_ERRORS) },
        },
        pathParams(),
      );
    }
  }

  /** `{column}.{op}=value` conditions, as one exploded object parameter with the allowed names. */
  /** Conditions on the columns the caller may read (a hidden column is not named, not even in a pattern). */
  private postgrestConditions(table: Table, visible: ReadonlySet<string> | 'all'): Parameter {
    const columns = table.columns
      .filter((c) => visible === 'all' || visible.has(c.name))
      .map((c) => regexEscape(c.name))
      .join('|');
    return {
      name: 'conditions',
      in: 'query',
      required: false,
      style: 'form',
      explode: true,
      description: 'PostgREST-style conditions `{column}.{op}=value` (op: eq neq gt gte lt lte like ilike in is); `in` takes `(a,b)`, `is` takes null, not.null, true or false',
      schema: {
        type: 'object',
        patternProperties: { [`^(${columns})\\.(eq|neq|gt|gte|lt|lte|like|ilike|in|is)$`]: { type: 'string' } },
        additionalProperties: false,
      } as Schema,
    } as Parameter;
  }

  /** `{relation}.fields|limit|order` options of the embeddable relations, when there are any. */
  private relationParameters(relations: readonly Relation[]): Parameter[] {
    if (relations.length === 0) return [];
    const names = relations.map((r) => regexEscape(r.name)).join('|');
    return [
      {
        name: 'relation_options',
        in: 'query',
        required: false,
        style: 'form',
        explode: true,
        description: `Options of embedded relations (${relations.map((r) => r.name).join(', ')}): \`{relation}.fields\`, \`{relation}.limit\`, \`{relation}.order\``,
        schema: {
          type: 'object',
          patternProperties: { [`^(${names})\\.(fields|limit|order)$`]: { type: 'string' } },
          additionalProperties: false,
        } as Schema,
      } as Parameter,
    ];
  }

  private addProcedures(access: ServiceAccess, base: string): void {
    const { service, catalog } = access;
    const callable = access.procedures.filter((p) => uncallableReason(catalog, p.procedure) === undefined);
    if (access.procedures.length > 0) {
      this.setOperation(`${base}/_proc`, 'get', {
        operationId: operationId(service, 'service', undefined, 'listProcedures'),
        summary: 'List stored procedures and functions',
        tags: [service],
        responses: { 200: this.json('The routines the caller may call', this.schema('ProcedureList')), ...this.errors(READ_ERRORS) },
      });
    }
    for (const entry of callable) this.addProcedure(access, base, entry);
  }

  private addProcedure(access: ServiceAccess, base: string, { procedure, verbs }: ProcedureAccess): void {
    const { service } = access;
    const path = `${base}/_proc/${encodeURIComponent(procedure.name)}`;
    const inputs = inputParameters(procedure);
    const result = this.json('The result: rows of a set-returning routine, `{"<function>": value}` for a scalar one, OUT parameters as one row', this.listOf(this.resultSchema(access, procedure)));
    const summary = `${procedure.kind === 'function' ? 'Call function' : 'Call procedure'} ${procedure.name}`;
    if (verbs.has('POST')) {
      const argsName = procedureComponent(service, procedure.name);
      this.schemas[argsName] = argumentsSchema(procedure, inputs);
      this.setOperation(path, 'post', {
        operationId: operationId(service, 'proc', procedure.name, 'call'),
        summary,
        ...(procedure.comment ? { description: procedure.comment } : {}),
        tags: [service],
        requestBody: {
          required: inputs.some((p) => !p.hasDefault),
          description: 'Arguments by parameter name; they may also be given in the query string (not both for one name)',
          content: { 'application/json': { schema: ref('schemas', argsName) } },
        },
        responses: { 200: result, ...this.errors(WRITE_ERRORS) },
      });
    }
    if (verbs.has('GET')) {
      this.setOperation(path, 'get', {
        operationId: operationId(service, 'proc', procedure.name, 'callGet'),
        summary: `${summary} (no side effects; runs read-only)`,
        tags: [service],
        parameters: inputs.map(
          (p) => ({ name: p.name, in: 'query', required: !p.hasDefault, description: p.dbType, schema: valueSchema(p.valueType, false) }) as Parameter,
        ),
        responses: { 200: result, ...this.errors(READ_ERRORS) },
      });
    }
  }

  /** One result row of a call, as far as the catalog knows it. */
  private resultSchema(access: ServiceAccess, procedure: Procedure): SchemaOrRef {
    const outs = procedure.parameters.filter((p) => (p.mode === 'out' || p.mode === 'inout') && p.name !== '');
    if (access.catalog.engine === 'postgres' && outs.length > 0) {
      return { type: 'object', properties: Object.fromEntries(outs.map((p) => [p.name, valueSchema(p.valueType, true)])) };
    }
    if (procedure.kind === 'function' && procedure.returnValueType !== null) {
      const typeName = (procedure.returnType ?? '').split('.').pop()?.replace(/^"|"$/g, '') ?? '';
      const table = access.tables.find((t) => t.table.name === typeName && t.verbs.size > 0);
      if (procedure.returnsSet && table) return ref('schemas', tableComponent(access.service, table.table.name));
      if (!access.catalog.tables.has(typeName)) {
        return { type: 'object', properties: { [procedure.name]: valueSchema(procedure.returnValueType, true) } };
      }
    }
    return { type: 'object', additionalProperties: true };
  }

  private addSchemaPaths(access: ServiceAccess, base: string): void {
    const { service } = access;
    const root = `${base}/_schema`;
    if (access.schemaRoot.has('GET')) {
      this.setOperation(root, 'get', {
        operationId: operationId(service, 'schema', undefined, 'list'),
        summary: 'The schema of every table and view',
        tags: [service],
        responses: { 200: this.json('Tables and views with columns, keys and indexes', this.schema('TableSchemaList')), ...this.errors(READ_ERRORS) },
      });
    }
    if (access.schemaRoot.has('POST')) {
      this.setOperation(root, 'post', {
        operationId: operationId(service, 'schema', undefined, 'createTable'),
        summary: 'Create a table',
        tags: [service],
        requestBody: { required: true, content: { 'application/json': { schema: this.schema('CreateTable') } } },
        responses: { 201: this.json('The schema of the new table', this.schema('TableSchema')), ...this.errors(WRITE_ERRORS) },
      });
    }
    for (const { table, schemaVerbs } of access.tables) {
      const path = `${root}/${encodeURIComponent(table.name)}`;
      const id = (action: string) => operationId(service, 'schema', table.name, action);
      if (schemaVerbs.has('GET')) {
        this.setOperation(path, 'get', {
          operationId: id('get'),
          summary: `The schema of ${table.name}`,
          tags: [service],
          responses: { 200: this.json('Columns, keys and indexes', this.schema('TableSchema')), ...this.errors(READ_ERRORS) },
        });
      }
      if (schemaVerbs.has('PUT')) {
        this.setOperation(path, 'put', {
          operationId: id('alter'),
          summary: `Alter ${table.name}`,
          tags: [service],
          requestBody: { required: true, content: { 'application/json': { schema: this.schema('AlterTable') } } },
          responses: { 200: this.json('The altered schema', this.schema('TableSchema')), ...this.errors(WRITE_ERRORS) },
        });
      }
      if (schemaVerbs.has('DELETE')) {
        this.setOperation(path, 'delete', {
          operationId: id('drop'),
          summary: `Drop ${table.name}`,
          tags: [service],
          responses: { 200: this.json('Dropped', this.schema('Success')), ...this.errors(WRITE_ERRORS) },
        });
      }
    }
  }

  build(): Document {
    const components: OpenAPIV3_1.ComponentsObject = {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key, bound to a role' },
        BearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A session token of an admin or a user JWT' },
      },
    };
    if (Object.keys(this.schemas).length > 0) components.schemas = sortKeys(this.schemas);
    if (Object.keys(this.parameters).length > 0) components.parameters = sortKeys(this.parameters);
    if (Object.keys(this.responses).length > 0) components.responses = sortKeys(this.responses);
    return {
      openapi: '3.1.0',
      info: {
        title: this.options.title,
        version: '1',
        description: this.options.description,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: this.options.serverUrl }],
      security: [{ ApiKey: [] }, { BearerAuth: [] }],
      tags: this.tags,
      paths: this.paths as OpenAPIV3_1.PathsObject,
      components,
    };
  }
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function buildDocument(services: readonly ServiceAccess[], options: DocumentOptions): Document {
  const builder = new DocumentBuilder(options);
  for (const access of services) builder.addService(access);
  return builder.build();
}
