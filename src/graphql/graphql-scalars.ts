/**
 * The Pothos builder's types (the resolver context included) and the GraphQL types of column values,
 * following the catalog's lossless JSON forms (ValueType in catalog/catalog-types.ts): `bigint` and `numeric` travel as strings, dates and times as ISO text,
 * `bytea` as base64, `json` as any JSON value. Input values are only shape-checked here; the column's
 * own check (`coerceValue`) runs when a filter is compiled, so GraphQL and REST refuse the same values.
 *
 * May import: catalog (and executor, auth types for the context).
 */
import SchemaBuilder from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { ScalarValueType } from '../catalog/catalog-types.js';
import type { RequestContext } from '../executor/request-context.js';
import type { Catalog } from '../catalog/catalog-types.js';
import type { Executor } from '../executor/executor.js';
import type { Authorizer } from '../auth/authorizer.js';

/** What every resolver receives: the request, and the service snapshot the request started on. */
export interface GraphqlContext {
  readonly ctx: RequestContext;
  readonly service: string;
  readonly catalog: Catalog;
  readonly executor: Executor;
  readonly authorizer: Authorizer;
  /** Records the audit entry of one mutation field (the handler adds who asked and from where). */
  readonly recordMutation?: (entry: MutationAudit) => void;
  /**
   * What the read fields' statement plans are kept by (graphql-plans.ts): the grants every request of
   * this caller view is authorized with. Without it, each request builds its statements anew.
   */
  readonly planScope?: object;
}

/** What a mutation field reports for its audit entry. */
export interface MutationAudit {
  /** The field's name, e.g. `insert_orders`. */
  readonly action: string;
  /** The table or routine written. */
  readonly target: string;
  readonly affectedRows?: number;
  /** 200, or the status the failure would have on REST (500 for unexpected ones). */
  readonly status: number;
  readonly durationMs: number;
}

type Scalar = { readonly Input: unknown; readonly Output: unknown };

export interface GraphqlTypes {
  Context: GraphqlContext;
  Scalars: {
    bigint: Scalar;
    numeric: Scalar;
    uuid: Scalar;
    json: Scalar;
    timestamptz: Scalar;
    timestamp: Scalar;
    date: Scalar;
    time: Scalar;
    bytea: Scalar;
  };
  DefaultFieldNullability: true;
}

export type BuilderTypes = PothosSchemaTypes.ExtendDefaultTypes<GraphqlTypes>;
export type Builder = PothosSchemaTypes.SchemaBuilder<BuilderTypes>;

export function createBuilder(): Builder {
  return new SchemaBuilder<GraphqlTypes>({});
}

/** The GraphQL scalar name of each non-enum value type. */
export const SCALAR_NAMES: Readonly<Record<Exclude<ScalarValueType, 'enum'>, string>> = {
  string: 'String',
  integer: 'Int',
  float: 'Float',
  boolean: 'Boolean',
  bigint: 'bigint',
  decimal: 'numeric',
  uuid: 'uuid',
  json: 'json',
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  date: 'date',
  time: 'time',
  bytes: 'bytea',
};

const DESCRIPTIONS: Readonly<Record<keyof GraphqlTypes['Scalars'], string>> = {
  bigint: '64-bit integer, as a string (JSON numbers cannot hold every value); integers are accepted as input',
  numeric: 'Exact decimal number, as a string; numbers are accepted as input',
  uuid: 'UUID, as text',
  json: 'Any JSON value',
  timestamptz: 'Date and time with time zone, ISO 8601 in UTC (2024-05-01T12:00:00Z)',
  timestamp: 'Date and time without time zone, ISO 8601 (2024-05-01T12:00:00)',
  date: 'Date, YYYY-MM-DD',
  time: 'Time of day, HH:MM:SS[.ffffff][±HH:MM]',
  bytea: 'Binary data, base64',
};

/** Text scalars accept strings (and numbers where a number is a natural spelling of the value). */
function textInput(name: string, numbers: boolean) {
  return (value: unknown): unknown => {
    if (typeof value === 'string' || (numbers && typeof value === 'number')) return value;
    throw new GraphQLError(`${name} expects a ${numbers ? 'string or number' : 'string'}`);
  };
}

export function registerScalars(builder: Builder): void {
  for (const name of Object.keys(DESCRIPTIONS) as (keyof GraphqlTypes['Scalars'])[]) {
    const parseValue = name === 'json' ? (value: unknown) => value : textInput(name, name === 'bigint' || name === 'numeric');
    builder.scalarType(name, { description: DESCRIPTIONS[name], serialize: (value) => value, parseValue });
  }
}
