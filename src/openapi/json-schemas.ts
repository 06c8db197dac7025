/**
 * JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of what the API reads and writes, derived from
 * catalog types so that they state the wire forms of catalog-types.ts: 64-bit integers and decimals
 * as strings (`format: int64` / `decimal`), dates and times as strings with their format, bytes as
 * base64 (`format: byte`), enums with their labels, NULL as `type: [x, "null"]`.
 *
 * May import: catalog.
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Column, Procedure, ProcedureParameter, ScalarValueType, Table, ValueType } from '../catalog/catalog-types.js';

export type Schema = OpenAPIV3_1.SchemaObject;
type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** The schema of one scalar value (without NULL); `undefined` type for JSON, which may be anything. */
function scalarSchema(type: ScalarValueType, enumValues: readonly string[] | undefined): Schema {
  switch (type) {
    case 'integer':
      return { type: 'integer' };
    case 'bigint':
      return { type: 'string', format: 'int64', pattern: '^-?[0-9]+$' };
    case 'decimal':
      return { type: 'string', format: 'decimal', pattern: '^-?[0-9]+(\\.[0-9]+)?$' };
    case 'float':
      return { type: 'number', format: 'double', description: 'NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity"' };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'time':
      return { type: 'string', format: 'time' };
    case 'timestamp':
      return { type: 'string', format: 'date-time', description: 'A date-time without offset (the column has no time zone)' };
    case 'timestamptz':
      return { type: 'string', format: 'date-time' };
    case 'uuid':
      return { type: 'string', format: 'uuid' };
    case 'bytes':
      return { type: 'string', format: 'byte', contentEncoding: 'base64' } as Schema;
    case 'json':
      return {};
    case 'enum':
      return enumValues && enumValues.length > 0 ? { type: 'string', enum: [...enumValues] } : { type: 'string' };
    case 'string':
      return { type: 'string' };
  }
}

/** `schema` that also admits NULL. JSON (no type) admits it already. */
function orNull(schema: Schema): Schema {
  const type = schema.type as SchemaType | SchemaType[] | undefined;
  if (type === undefined) return schema;
  const types = Array.isArray(type) ? type : [type];
  const withNull: Schema = { ...schema, type: [...types.filter((t) => t !== 'null'), 'null'] } as Schema;
  if (schema.enum) withNull.enum = [...schema.enum, null];
  return withNull;
}

export function valueSchema(type: ValueType, nullable: boolean, enumValues?: readonly string[]): Schema {
  const base: Schema =
    typeof type === 'string'
      ? scalarSchema(type, enumValues)
      : ({ type: 'array', items: orNull(scalarSchema(type.of, enumValues)) } as Schema);
  return nullable ? orNull(base) : base;
}

function columnSchema(column: Column): Schema {
  const schema: Schema = { ...valueSchema(column.valueType, column.nullable, column.enumValues) };
  if (column.maxLength !== undefined && column.valueType === 'string') schema.maxLength = column.maxLength;
  if (column.generated !== null) schema.readOnly = true;
  if (column.displayName) schema.title = column.displayName;
  if (column.description) schema.description = schema.description ? `${column.description}. ${schema.description}` : column.description;
  return schema;
}

const visible = (columns: ReadonlySet<string> | 'all', name: string) => columns === 'all' || columns.has(name);

/** A row as read: every column the caller may see. */
export function recordSchema(table: Table, columns: ReadonlySet<string> | 'all'): Schema {
  const properties: Record<string, Schema> = {};
  for (const column of table.columns) if (visible(columns, column.name)) properties[column.name] = columnSchema(column);
  return {
    type: 'object',
    ...(table.displayName ? { title: table.displayName } : {}),
    ...(table.description ? { description: table.description } : {}),
    properties,
  };
}

/**
 * A row to insert (or replace with PUT): every column but computed ones (which the API refuses to
 * write); identity and auto-increment keys may be given. `required` lists the NOT NULL columns
 * without default that the database does not fill. Unknown properties are a 400, so none are allowed.
 */
export function insertSchema(table: Table, columns: ReadonlySet<string> | 'all'): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const column of table.columns) {
    if (!visible(columns, column.name) || column.generated === 'computed') continue;
    const { readOnly: _readOnly, ...schema } = columnSchema(column);
    properties[column.name] = schema;
    if (!column.nullable && !column.hasDefault && column.generated === null) required.push(column.name);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

/** A partial update: any writable column, none required. */
export function updateSchema(table: Table, columns: ReadonlySet<string> | 'all'): Schema {
  const { required: _required, ...schema } = insertSchema(table, columns);
  return schema;
}

/** The arguments of a call: one property per input parameter, required unless it has a default. */
export function argumentsSchema(procedure: Procedure, inputs: readonly ProcedureParameter[]): Schema {
  const properties: Record<string, Schema> = {};
  for (const p of inputs) properties[p.name] = { ...valueSchema(p.valueType, true), description: `${p.dbType} (${p.mode})` };
  const required = inputs.filter((p) => !p.hasDefault).map((p) => p.name);
  return {
    type: 'object',
    ...(procedure.comment ? { description: procedure.comment } : {}),
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}
