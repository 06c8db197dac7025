/**
 * A procedure call's arguments (a name → JSON value map, from a request body and query string) →
 * the IR `Call` for one catalog procedure. Arguments are bound by parameter name and checked
 * against the parameter's catalog type with the same coercion filters use, so a bad value is the
 * same 400 on every engine.
 *
 * Binding rules (the IR call is positional):
 * - inputs are the IN, INOUT and VARIADIC parameters; an argument for any other name is a 400;
 * - a missing input without a default is a 400; a missing input with a default is left to the
 *   database, which only works positionally when every later input is missing too (else 400);
 * - PostgreSQL procedures take their OUT parameters as NULL arguments and answer them as a row;
 *   MySQL/MariaDB return OUT parameters only through session variables, which one statement
 *   cannot read back, so procedures with OUT/INOUT parameters there are refused (400);
 * - unnamed parameters cannot be bound by name, and VARIADIC ones would need the VARIADIC keyword:
 *   both are refused (400).
 *
 * May import: catalog, query, errors.
 */
import type { Catalog, Procedure, ProcedureParameter, ValueType } from '../catalog/catalog-types.js';
import { describeValueType } from '../catalog/catalog-types.js';
import { closestMatch } from '../catalog/resolve.js';
import { requestErrors } from '../errors.js';
import { coerceToType, describeRaw, type RawValue } from './filter/resolve-filter.js';
import { param } from './ir-factories.js';
import type { Call, ParamValue } from './ir.js';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Whether a routine may be called with GET: functions that declare no side effects. */
export function callableWithGet(procedure: Procedure): boolean {
  return procedure.kind === 'function' && procedure.volatility !== 'volatile';
}

/** The parameters a caller supplies values for. */
export function inputParameters(procedure: Procedure): ProcedureParameter[] {
  return procedure.parameters.filter((p) => p.mode !== 'out');
}

/** Why a procedure cannot be called through the API on this engine, or undefined when it can. */
export function uncallableReason(catalog: Pick<Catalog, 'engine'>, procedure: Procedure): string | undefined {
  if (procedure.parameters.some((p) => p.name === '' && p.mode !== 'out')) return 'it has unnamed parameters';
  if (procedure.parameters.some((p) => p.mode === 'variadic')) return 'it has a VARIADIC parameter';
  if (catalog.engine === 'mysql' && procedure.kind === 'procedure' && procedure.parameters.some((p) => p.mode !== 'in')) {
    return 'MySQL/MariaDB procedures with OUT or INOUT parameters are not supported';
  }
  return undefined;
}

function describeJson(value: unknown): string {
  if (typeof value === 'string') return describeRaw({ kind: 'string', value });
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

function rawOf(value: unknown): RawValue | undefined {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', text: String(value) };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  return undefined;
}

/** A JSON value checked against a parameter's type, as the value to bind. */
function argumentValue(procedure: Procedure, parameter: ProcedureParameter, value: unknown): ParamValue {
  const fail = (expected: string): never => {
    throw requestErrors.invalidArgument(procedure.name, parameter.name, expected, describeJson(value));
  };
  const scalar = (type: ValueType, item: unknown): ParamValue => {
    if (item === null) return null;
    if (type === 'json') return item as ParamValue;
    if (type === 'bytes') return typeof item === 'string' && BASE64.test(item) ? item : fail('base64 text');
    const raw = rawOf(item);
    if (!raw) return fail(`a value of type ${describeValueType(parameter.valueType)}`);
    return coerceToType(type, undefined, raw, fail);
  };
  const type = parameter.valueType;
  if (typeof type === 'string') return scalar(type, value);
  if (value === null) return null;
  if (!Array.isArray(value)) return fail(`a JSON array of ${type.of}`);
  return value.map((item: unknown) => scalar(type.of, item));
}

/** The result columns the catalog knows of, so the executor can decode them like table columns. */
function resultColumns(catalog: Catalog, procedure: Procedure): Call['returns'] {
  const outs = procedure.parameters.filter((p) => (p.mode === 'out' || p.mode === 'inout') && p.name !== '');
  if (catalog.engine === 'postgres' && outs.length > 0) return outs.map((p) => ({ name: p.name, valueType: p.valueType }));
  if (procedure.kind === 'procedure' || procedure.returnValueType === null) return undefined;
  if (procedure.returnsSet) {
    // SETOF a table's row type: the table's columns (the type name may be schema-qualified or quoted).
    const typeName = (procedure.returnType ?? '').split('.').pop()?.replace(/^"|"$/g, '') ?? '';
    const table = catalog.tables.get(typeName);
    if (table) return table.columns.map((c) => ({ name: c.name, valueType: c.valueType }));
  }
  return [{ name: procedure.name, valueType: procedure.returnValueType }];
}

/** The IR call of `procedure` with `args` (parameter name → JSON value). Throws 400s as described above. */
export function planCall(catalog: Catalog, procedure: Procedure, args: Readonly<Record<string, unknown>>): Call {
  const reason = uncallableReason(catalog, procedure);
  if (reason) throw requestErrors.unsupportedCall(procedure.name, reason);
  const inputs = inputParameters(procedure);
  const names = new Set(inputs.map((p) => p.name));
  for (const name of Object.keys(args)) {
    if (!names.has(name)) throw requestErrors.unknownArgument(procedure.name, name, closestMatch(name, names));
  }

  // Positional binding stops at the first omitted (defaulted) input; nothing after it may be given.
  const given = (p: ProcedureParameter) => Object.prototype.hasOwnProperty.call(args, p.name);
  const firstOmitted = inputs.findIndex((p) => !given(p));
  if (firstOmitted >= 0) {
    for (const p of inputs.slice(firstOmitted)) if (!given(p) && !p.hasDefault) throw requestErrors.missingArgument(procedure.name, p.name);
    const later = inputs.slice(firstOmitted).find(given);
    if (later) {
      const omitted = inputs[firstOmitted] as ProcedureParameter;
      throw requestErrors.invalidParameter(omitted.name, `must be given when '${later.name}' is (arguments are passed by position)`, {
        procedure: procedure.name,
      });
    }
  }
  // A PostgreSQL procedure's OUT arguments follow its inputs by position: none may be left out then.
  const pgProcedure = catalog.engine === 'postgres' && procedure.kind === 'procedure';
  if (pgProcedure && firstOmitted >= 0 && procedure.parameters.some((p) => p.mode === 'out')) {
    throw requestErrors.missingArgument(procedure.name, (inputs[firstOmitted] as ProcedureParameter).name);
  }
  const bound = firstOmitted >= 0 ? new Set(inputs.slice(0, firstOmitted)) : new Set(inputs);

  // PostgreSQL procedures take every OUT parameter as an argument (NULL); functions take inputs only.
  const callArgs = procedure.parameters.flatMap((p) => {
    if (p.mode === 'out') return pgProcedure ? [{ value: param(null, p.valueType), dbType: p.dbType }] : [];
    if (!bound.has(p)) return [];
    return [{ value: param(argumentValue(procedure, p, args[p.name]), p.valueType), dbType: p.dbType }];
  });
  const returns = resultColumns(catalog, procedure);
  return {
    kind: 'call',
    schema: procedure.schema,
    procedure: procedure.name,
    procedureKind: procedure.kind,
    returnsSet: procedure.returnsSet,
    args: callArgs,
    ...(returns ? { returns } : {}),
  };
}
