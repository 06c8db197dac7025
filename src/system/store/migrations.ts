/**
 * The metadata store's schema, as an ordered list of migrations. Each runs once, in a transaction,
 * recorded in `sluice.migrations`. Never edit a released migration: add the next one.
 *
 * Everything lives in the schema `sluice`, so a shared PostgreSQL database can hold it beside
 * other data.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'access control: admins, sessions, services, roles, access rules, api keys, settings',
    statements: [
      `CREATE TABLE sluice.settings (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE sluice.admins (
        id serial PRIMARY KEY,
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        name text NOT NULL DEFAULT '',
        password_hash text NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz
      )`,
      `CREATE TABLE sluice.admin_sessions (
        id text PRIMARY KEY,
        admin_id integer NOT NULL REFERENCES sluice.admins (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`,
      `CREATE INDEX admin_sessions_admin_id_idx ON sluice.admin_sessions (admin_id)`,
      `CREATE TABLE sluice.services (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        label text NOT NULL DEFAULT '',
        driver text NOT NULL,
        dsn_sealed text NOT NULL,
        schema_name text,
        read_only boolean NOT NULL DEFAULT false,
        raw_sql_allowed boolean NOT NULL DEFAULT false,
        is_active boolean NOT NULL DEFAULT true,
        pool_size integer,
        statement_timeout_ms integer,
        source text NOT NULL CHECK (source IN ('config', 'api')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE sluice.roles (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE sluice.role_access (
        role_id integer NOT NULL REFERENCES sluice.roles (id) ON DELETE CASCADE,
        position integer NOT NULL,
        service_name text NOT NULL,
        component text NOT NULL,
        verb_mask integer NOT NULL CHECK (verb_mask BETWEEN 0 AND 31),
        filter text,
        fields jsonb,
        PRIMARY KEY (role_id, position)
      )`,
      `CREATE TABLE sluice.api_keys (
        id serial PRIMARY KEY,
        key_id text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        secret_hash text NOT NULL,
        label text NOT NULL DEFAULT '',
        role_id integer NOT NULL REFERENCES sluice.roles (id) ON DELETE CASCADE,
        is_active boolean NOT NULL DEFAULT true,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used timestamptz,
        revoked_at timestamptz
      )`,
      `CREATE INDEX api_keys_role_id_idx ON sluice.api_keys (role_id)`,
    ],
  },
  {
    version: 2,
    name: 'audit log',
    statements: [
      // One row per audited event (see system/audit-log.ts). No foreign keys: entries outlive the
      // keys, admins and services they name, and a batch insert must never fail on a deleted key.
      `CREATE TABLE sluice.audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        surface text NOT NULL CHECK (surface IN ('rest', 'graphql', 'mcp', 'system')),
        principal_kind text NOT NULL,
        principal_id text,
        key_id integer,
        credential text NOT NULL,
        service text,
        action text NOT NULL,
        target text,
        affected_rows integer,
        status integer NOT NULL,
        duration_ms double precision NOT NULL,
        request_id text NOT NULL,
        client_ip text
      )`,
      `CREATE INDEX audit_log_at_idx ON sluice.audit_log (at DESC, id DESC)`,
      `CREATE INDEX audit_log_key_id_idx ON sluice.audit_log (key_id, at DESC) WHERE key_id IS NOT NULL`,
    ],
  },
  {
    version: 3,
    name: 'api keys: MCP tool allow-list',
    statements: [
      // NULL: every tool the key's role allows; an array: only these MCP tools (names checked by the System API).
      `ALTER TABLE sluice.api_keys ADD COLUMN allowed_tools text[]`,
    ],
  },
  {
    version: 4,
    name: 'semantic layer: display names and descriptions of tables and columns',
    statements: [
      // One document per service, in the shape of `PUT …/semantic` (see system/store/semantic-repo.ts);
      // it goes with its service.
      `CREATE TABLE sluice.semantic_overrides (
        service_name text PRIMARY KEY REFERENCES sluice.services (name) ON DELETE CASCADE ON UPDATE CASCADE,
        document jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];
