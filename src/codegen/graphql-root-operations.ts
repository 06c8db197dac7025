/**
 * One named operation per root field of a GraphQL schema (queries and mutations), for the ready
 * `getSdk(client)` of a generated GraphQL client: every argument of the field becomes a variable of
 * the same name and type, and the selection is bounded:
 * - a row type (one that a root query field returns as a list: `orders`) selects its scalar and
 *   enum fields, never its relations;
 * - any other object type (`orders_aggregate`, `orders_connection`, `orders_mutation_response`)
 *   selects its scalar and enum fields, the rows of its row-typed fields up to the third level
 *   (`nodes { id … }`, `edges { node { id … } }`, `returning { id … }`), and the scalar and enum
 *   fields of its other object fields, one level down (`aggregate { count }`, `pageInfo { … }`).
 * Fields with required arguments are left out of selections; a root field with nothing to select is
 * left out of the SDK. The operation is named after the root field, so the SDK's methods are too.
 *
 * May import: nothing outside codegen (and the graphql package).
 */
import {
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

export interface RootOperation {
  /** The root field, and the operation's name. */
  readonly name: string;
  readonly kind: 'query' | 'mutation';
  readonly description?: string;
  /** Whether some argument must be given (non-null, without default). */
  readonly variablesRequired: boolean;
}

export interface RootOperations {
  /** The operations, as a GraphQL document. */
  readonly document: string;
  /** The root fields that got an operation, in order (queries, then mutations). */
  readonly fields: readonly string[];
  readonly operations: readonly RootOperation[];
}

export function rootOperations(schema: GraphQLSchema): RootOperations {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const rowTypes = new Set<string>();
  for (const field of Object.values(query?.getFields() ?? {})) {
    if (returnsList(field.type)) rowTypes.add(getNamedType(field.type).name);
  }
  const texts: string[] = [];
  const operations: RootOperation[] = [];
  for (const [kind, root] of [['query', query], ['mutation', mutation]] as const) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const selection = selectionOf(getNamedType(field.type), rowTypes, 1);
      if (selection === undefined) continue;
      const variables = field.args.map((a) => `$${a.name}: ${String(a.type)}`);
      const args = field.args.map((a) => `${a.name}: $${a.name}`);
      texts.push(
        `${kind} ${field.name}${variables.length ? `(${variables.join(', ')})` : ''} {\n` +
          `  ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection === '' ? '' : ` ${selection}`}\n}\n`,
      );
      operations.push({
        name: field.name,
        kind,
        ...(field.description ? { description: field.description } : {}),
        variablesRequired: field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined),
      });
    }
  }
  return { document: texts.join('\n'), fields: operations.map((o) => o.name), operations };
}

function returnsList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * The selection set of a field of type `type` (`''` for a leaf), or undefined when nothing can be
 * selected within the bounds.
 */
function selectionOf(type: GraphQLNamedType, rowTypes: ReadonlySet<string>, depth: number): string | undefined {
  if (isLeafType(type)) return '';
  if (!isObjectType(type)) return undefined; // interfaces and unions: Sluice has none
  const row = rowTypes.has(type.name);
  const parts: string[] = [];
  for (const field of selectable(type)) {
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (!row && (rowTypes.has(named.name) ? depth < 3 : depth < 2)) {
      const inner = selectionOf(named, rowTypes, depth + 1);
      if (inner) parts.push(`${field.name} ${inner}`);
    }
  }
  return parts.length > 0 ? `{ ${parts.join(' ')} }` : undefined;
}

function selectable(type: GraphQLObjectType): GraphQLField<unknown, unknown>[] {
  return Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined));
}
