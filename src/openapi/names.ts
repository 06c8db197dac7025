/**
 * Names in generated OpenAPI documents. Component names must match `^[a-zA-Z0-9._-]+$`, table and
 * procedure names may hold any character, and one document may describe several services — so
 * names are built by one documented, collision-free rule:
 *
 *   part(name)  = name with every UTF-8 byte outside [A-Za-z0-9_] written as `-HH` (upper-case hex)
 *   table       = `{part(service)}.table.{part(table)}`            (the record as read)
 *               + `.insert` / `.update`                            (write bodies)
 *   procedure   = `{part(service)}.proc.{part(procedure)}.args`    (the call's arguments)
 *
 * `part` never yields a dot and is injective (`-` itself becomes `-2D`), so every name splits back
 * into its pieces unambiguously; shared components (`Error`, `ListMeta`, …) have no dot and cannot
 * meet a generated one. Operation ids use the same parts: `{service}.table.{table}.{action}`.
 *
 * May import: nothing.
 */

export function namePart(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_]/.test(char) ? char : `-${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function tableComponent(service: string, table: string, variant?: 'insert' | 'update'): string {
  return `${namePart(service)}.table.${namePart(table)}${variant ? `.${variant}` : ''}`;
}

export function procedureComponent(service: string, procedure: string): string {
  return `${namePart(service)}.proc.${namePart(procedure)}.args`;
}

export function operationId(service: string, kind: 'table' | 'record' | 'proc' | 'schema' | 'service', name: string | undefined, action: string): string {
  return [namePart(service), kind, ...(name !== undefined ? [namePart(name)] : []), action].join('.');
}

/** Escapes a name for use inside a regular expression. */
export function regexEscape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
