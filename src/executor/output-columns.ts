/**
 * The output columns of a statement (name and value type), from which the dialect builds the row
 * decoder. Aggregates get the type of their JSON form: counts are integers; sums of integers are
 * bigints and averages decimals (both strings), sums of other types keep the column's type.
 */
import type { ValueType } from '../catalog/catalog-types.js';
import type { OutputColumn } from '../dialects/dialect.js';
import type { SelectItem, Statement } from '../query/ir.js';

function aggregateType(item: Extract<SelectItem, { kind: 'aggregate' }>): ValueType {
  const type = item.column?.valueType;
  switch (item.fn) {
    case 'count':
      return 'integer';
    case 'avg':
      return type === 'float' ? 'float' : 'decimal';
    case 'sum':
      return type === 'integer' || type === 'bigint' ? (type === 'integer' ? 'bigint' : 'decimal') : (type ?? 'decimal');
    case 'min':
    case 'max':
      return type ?? 'string';
  }
}

export function outputColumns(statement: Statement): OutputColumn[] {
  switch (statement.kind) {
    case 'select':
      return statement.items.map((item) =>
        item.kind === 'column'
          ? { name: item.column.name, valueType: item.column.valueType }
          : { name: item.alias, valueType: aggregateType(item) },
      );
    case 'insert':
    case 'update':
    case 'delete':
      return statement.returning.map((c) => ({ name: c.name, valueType: c.valueType }));
    case 'call':
      return statement.returns ? [...statement.returns] : [];
  }
}
