/**
 * The parts every generated document may share: error responses (all referencing one `Error`
 * envelope), envelope and `_schema` schemas, and the query parameters of table operations. The
 * document builder emits each only when an operation references it.
 *
 * May import: config (types).
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Limits } from '../config/config-schema.js';
import type { Schema } from './json-schemas.js';

type Parameter = OpenAPIV3_1.ParameterObject;

export const ERROR_RESPONSES = {
  400: ['BadRequest', 'The request is invalid: a parameter, a value, a filter or the body (see `error.context.reason`).'],
  401: ['Unauthorized', 'Credentials are missing or invalid.'],
  403: ['Forbidden', 'The caller may not do this (role rules, column restrictions, read-only service).'],
  404: ['NotFound', 'The service, table, record or procedure does not exist.'],
  409: ['Conflict', 'A unique or foreign-key constraint refused the change.'],
  413: ['PayloadTooLarge', 'The request body is larger than 10 MB.'],
  429: ['TooManyRequests', 'Too many requests; retry later.'],
  503: ['ServiceUnavailable', 'The database of the service is unavailable.'],
  504: ['GatewayTimeout', "The statement exceeded the service's statement timeout."],
} as const;
export type ErrorStatus = keyof typeof ERROR_RESPONSES;
export const READ_ERRORS: readonly ErrorStatus[] = [400, 401, 403, 404, 429, 503, 504];
export const WRITE_ERRORS: readonly ErrorStatus[] = [400, 401, 403, 404, 409, 413, 429, 503, 504];

const integer = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', minimum: 0, description, ...extra });

/** Schemas every document may share; emitted when referenced. */
export const SHARED_SCHEMAS: Record<string, Schema> = {
  ErrorDetail: {
    type: 'object',
    required: ['code', 'message', 'context'],
    properties: {
      code: { type: 'integer', description: 'The HTTP status code' },
      message: { type: 'string' },
      context: {
        type: 'object',
        description: 'Details; `reason` names the error in a stable, machine-readable way',
        properties: { reason: { type: 'string' } },
        additionalProperties: true,
      },
    },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: { error: { $ref: '#/components/schemas/ErrorDetail' } },
  },
  ListMeta: {
    type: 'object',
    required: ['count'],
    properties: {
      count: integer('Records in this response'),
      total: integer('Records matching the request (with include_count=true)'),
      limit: integer('The page size applied'),
      offset: integer('Records skipped'),
      took_ms: { type: 'number', description: 'Time spent, in milliseconds' },
    },
  },
  WriteMeta: {
    type: 'object',
    required: ['count'],
    properties: {
      count: integer('Records written'),
      failed: integer('Records that failed (rollback=false only)'),
      took_ms: { type: 'number' },
    },
  },
  WriteFailure: {
    type: 'object',
    required: ['index', 'error'],
    properties: { index: integer('The position of the failed record in the request'), error: { $ref: '#/components/schemas/ErrorDetail' } },
  },
  TableNames: {
    type: 'object',
    required: ['resource', 'meta'],
    properties: {
      resource: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
      meta: { $ref: '#/components/schemas/ListMeta' },
    },
  },
  ProcedureList: {
    type: 'object',
    required: ['resource', 'meta'],
    properties: {
      resource: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'type', 'return_type', 'returns_set', 'volatility', 'parameters'],
          properties: {
            name: { type: 'string' },
            type: { type: 'string', enum: ['function', 'procedure'] },
            return_type: { type: ['string', 'null'] },
            returns_set: { type: 'boolean' },
            volatility: { type: 'string', enum: ['immutable', 'stable', 'volatile'] },
            parameters: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'type', 'mode', 'has_default'],
                properties: {
                  name: { type: 'string' },
                  type: { type: 'string' },
                  mode: { type: 'string', enum: ['in', 'out', 'inout', 'variadic'] },
                  has_default: { type: 'boolean' },
                },
              },
            },
          },
        },
      },
      meta: { $ref: '#/components/schemas/ListMeta' },
    },
  },
  ColumnDefinition: {
    type: 'object',
    required: ['name', 'type'],
    properties: {
      name: { type: 'string' },
      type: { type: 'string', description: 'The SQL type, e.g. varchar(255), integer, serial' },
      is_nullable: { type: 'boolean' },
      is_primary_key: { type: 'boolean' },
      is_unique: { type: 'boolean' },
      default: { type: 'string', description: 'An SQL default expression' },
    },
  },
  TableSchema: {
    type: 'object',
    required: ['name', 'type', 'columns'],
    properties: {
      name: { type: 'string' },
      type: { type: 'string', enum: ['table', 'view', 'materialized_view'] },
      primary_key: { type: 'array', items: { type: 'string' } },
      columns: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'db_type', 'json_type', 'nullable'],
          properties: {
            name: { type: 'string' },
            position: { type: 'integer' },
            db_type: { type: 'string' },
            json_type: { type: 'string', enum: ['string', 'integer', 'number', 'boolean', 'object', 'array'] },
            nullable: { type: 'boolean' },
            max_length: { type: 'integer' },
            is_primary_key: { type: 'boolean' },
            is_auto_increment: { type: 'boolean' },
            is_unique: { type: 'boolean' },
            default: { type: ['string', 'null'] },
          },
          additionalProperties: true,
        },
      },
      foreign_keys: { type: 'array', items: { type: 'object', additionalProperties: true } },
      indexes: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
    additionalProperties: true,
  },
  TableSchemaList: {
    type: 'object',
    required: ['resource'],
    properties: { resource: { type: 'array', items: { $ref: '#/components/schemas/TableSchema' } } },
    additionalProperties: true,
  },
  CreateTable: {
    type: 'object',
    required: ['name', 'columns'],
    properties: {
      name: { type: 'string' },
      columns: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/ColumnDefinition' } },
    },
  },
  AlterTable: {
    type: 'object',
    required: ['changes'],
    properties: {
      changes: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['type', 'column'],
          properties: {
            type: { type: 'string', enum: ['add_column', 'drop_column', 'rename_column', 'modify_column'] },
            column: { type: 'string' },
            new_name: { type: 'string' },
            definition: { $ref: '#/components/schemas/ColumnDefinition' },
          },
        },
      },
    },
  },
  Success: {
    type: 'object',
    required: ['success'],
    properties: { success: { type: 'boolean' }, message: { type: 'string' } },
  },
};

const text = (description: string): Schema => ({ type: 'string', description });

/** Query and header parameters shared by table operations; emitted when referenced. */
export function sharedParameters(limits: Pick<Limits, 'defaultLimit' | 'maxLimit'>): Record<string, Parameter> {
  const query = (name: string, description: string, schema: Schema): Parameter =>
    ({ name, in: 'query', required: false, description, schema }) as Parameter;
  return {
    filter: query('filter', "Filter expression, e.g. `status = 'paid' AND total > 100`; through a relation (reads): `customer.tier = 'gold'`", text('Faucet filter syntax')),
    fields: query('fields', 'Comma-separated columns to return; on reads also aggregates such as `count(*),sum(total)`', text('Column list')),
    order: query('order', 'Sort order, e.g. `placed_at DESC, id` (or PostgREST style `placed_at.desc`); a to-one relation\'s column: `customer.full_name`', text('Order list')),
    limit: query('limit', `Maximum records to return (default ${limits.defaultLimit}, at most ${limits.maxLimit})`, {
      type: 'integer',
      minimum: 0,
      maximum: limits.maxLimit,
      default: limits.defaultLimit,
    }),
    offset: query('offset', 'Records to skip', { type: 'integer', minimum: 0, default: 0 }),
    include_count: query('include_count', 'Add `meta.total` and an `X-Total-Count` header', { type: 'boolean', default: false }),
    ids: query('ids', 'Primary key values: `1,2,3` or a JSON array; composite keys `1,10;2,20` or `[[1,10],[2,20]]`', text('Key list')),
    group: query('group', 'Comma-separated columns to group aggregates by', text('Column list')),
    related: query('related', 'Comma-separated relation names to embed, or `*`', text('Relation list')),
    select: query('select', 'PostgREST-style column list (alternative to `fields`)', text('Column list')),
    upsert: query('upsert', 'Update records whose key already exists instead of failing', { type: 'boolean', default: false }),
    rollback: query('rollback', 'Write all records or none; with `false` failing records are reported and the others kept (207)', {
      type: 'boolean',
      default: true,
    }),
    prefer: {
      name: 'Prefer',
      in: 'header',
      required: false,
      description: '`resolution=merge-duplicates` is the same as `upsert=true`',
      schema: { type: 'string' },
    } as Parameter,
    recordId: {
      name: 'id',
      in: 'path',
      required: true,
      description: 'The primary key value; for composite keys the values in key order, comma-separated',
      schema: { type: 'string' },
    } as Parameter,
  };
}
