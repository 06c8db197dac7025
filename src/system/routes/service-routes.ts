/**
 * Database services:
 *   GET|POST /api/v1/system/service, GET|PUT|DELETE /api/v1/system/service/{name},
 *   GET /api/v1/system/service/{name}/test, POST /api/v1/system/service/{name}/refresh
 * Creating or changing a connection first connects and introspects (a bad DSN answers 400 with the
 * driver's reason, never the DSN); the DSN is stored sealed and never returned. Services from the
 * configuration (flags, env, config file, the embedded demo) are rewritten at every start, so the
 * API refuses to change or delete them (409): change the configuration instead.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { parseDsn, SERVICE_NAME, type Dsn } from '../../config/config-schema.js';
import { ApiError } from '../../errors.js';
import { driverName, dsnAssociatedData, dsnText, settingsFromRecord } from '../bootstrap.js';
import { describeFailure, idleErrorLogger, probeService, type ProbedService, type ServiceSettings } from '../service-registry.js';
import { createService, deleteService, getService, listServices, updateService, type ServiceRecord } from '../store/services-repo.js';
import { adminContext, conflict, isUniqueViolation, listBody, nameParam, notFound, parseBody } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

const DRIVERS = ['postgres', 'postgresql', 'mysql', 'mariadb', 'pglite'] as const;

const fields = {
  label: z.string().max(200).optional(),
  driver: z.enum(DRIVERS, { message: `must be one of ${DRIVERS.join(', ')}` }).optional(),
  dsn: z.string().min(1).max(4096).optional(),
  schema: z.string().min(1).max(63).optional(),
  read_only: z.boolean().optional(),
  raw_sql_allowed: z.boolean().optional(),
  is_active: z.boolean().optional(),
  pool_size: z.number().int().min(1).max(200).optional(),
  statement_timeout_ms: z.number().int().min(0).max(3_600_000).optional(),
};
const createBody = z.strictObject({
  name: z
    .string()
    .regex(SERVICE_NAME, 'letters, digits, _ and -, starting with a letter (at most 63)')
    .refine((n) => n !== 'system', 'the name "system" is reserved'),
  ...fields,
  driver: fields.driver.unwrap(),
  dsn: fields.dsn.unwrap(),
});
const updateBody = z.strictObject({ name: z.string().optional(), ...fields });

/** The DSN, checked against the driver named beside it. Errors never echo the DSN. */
function checkedDsn(text: string, driver: (typeof DRIVERS)[number]): Dsn {
  let dsn: Dsn;
  try {
    dsn = parseDsn(text);
  } catch (error) {
    throw new ApiError(400, `Invalid request body: dsn: ${(error as Error).message}`, 'invalidBody', { field: 'dsn' });
  }
  const expected = driver === 'postgresql' ? 'postgres' : driver === 'mariadb' ? 'mysql' : driver;
  if (driverName(dsn) !== expected) {
    throw new ApiError(400, `Invalid request body: driver '${driver}' does not match the DSN's scheme`, 'invalidBody', { field: 'driver' });
  }
  return dsn;
}

export function serviceRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();
  const { store, keyring, registry, config, cache, logger } = deps;

  const serviceJson = (record: ServiceRecord) => ({
    id: record.id,
    name: record.name,
    label: record.label,
    driver: record.driver,
    schema: record.schemaName ?? registry.settings(record.name)?.schema ?? null,
    read_only: record.readOnly,
    raw_sql_allowed: record.rawSqlAllowed,
    is_active: record.isActive,
    pool_size: record.poolSize,
    statement_timeout_ms: record.statementTimeoutMs,
    source: record.source,
    status: record.isActive ? (registry.status(record.name) ?? 'not served') : 'inactive',
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  });

  const connectOrRefuse = async (settings: ServiceSettings): Promise<ProbedService> => {
    try {
      return await probeService(settings, idleErrorLogger(logger, settings.name));
    } catch (error) {
      throw new ApiError(400, `Cannot connect to the database: ${describeFailure(error)}`, 'connectionFailed', { service: settings.name });
    }
  };

  const existing = async (name: string): Promise<ServiceRecord> => {
    const record = await getService(store, name);
    if (!record) throw notFound('Service', name);
    return record;
  };

  const refuseConfigManaged = (record: ServiceRecord) => {
    if (record.source === 'config') {
      throw conflict(`Service '${record.name}' comes from the configuration (flags, environment or config file); change it there`, 'managedByConfig', {
        service: record.name,
      });
    }
  };

  router.get('/service', async (_req: Request, res: Response) => {
    adminContext(res);
    res.json(listBody((await listServices(store)).map(serviceJson)));
  });

  router.post('/service', async (req: Request, res: Response) => {
    const ctx = adminContext(res);
    const body = parseBody(createBody, req.body);
    ctx.noteAudit({ service: body.name });
    if (await getService(store, body.name)) throw conflict(`Service '${body.name}' already exists`, 'serviceExists', { service: body.name });
    const dsn = checkedDsn(body.dsn, body.driver);
    const record: Omit<ServiceRecord, 'id' | 'createdAt' | 'updatedAt'> = {
      name: body.name,
      label: body.label ?? '',
      driver: driverName(dsn),
      dsnSealed: keyring.encrypt(dsnText(dsn), dsnAssociatedData(body.name)),
      schemaName: body.schema ?? dsn.schema ?? null,
      readOnly: body.read_only ?? false,
      rawSqlAllowed: body.raw_sql_allowed ?? false,
      isActive: body.is_active ?? true,
      poolSize: body.pool_size ?? null,
      statementTimeoutMs: body.statement_timeout_ms ?? null,
      source: 'api',
    };
    const settings = settingsFromRecord({ ...record, id: 0, createdAt: '', updatedAt: '' }, keyring, config);
    const connection = record.isActive ? await connectOrRefuse(settings) : undefined;
    let created: ServiceRecord;
    try {
      created = await createService(store, record);
    } catch (error) {
      await connection?.driver.close().catch(() => undefined);
      if (isUniqueViolation(error)) throw conflict(`Service '${body.name}' already exists`, 'serviceExists', { service: body.name });
      throw error;
    }
    if (connection) await registry.put(settings, connection);
    cache.invalidate();
    res.status(201).json(serviceJson(created));
  });

  router.get('/service/:name', async (req: Request, res: Response) => {
    adminContext(res);
    res.json(serviceJson(await existing(nameParam(req))));
  });

  router.put('/service/:name', async (req: Request, res: Response) => {
    adminContext(res);
    const current = await existing(nameParam(req));
    refuseConfigManaged(current);
    const body = parseBody(updateBody, req.body);
    if (body.name !== undefined && body.name !== current.name) {
      throw new ApiError(400, 'Invalid request body: name: a service cannot be renamed; create a new one', 'invalidBody', { field: 'name' });
    }
    const currentDsn = keyring.decrypt(current.dsnSealed, dsnAssociatedData(current.name));
    const dsn = body.dsn !== undefined || body.driver !== undefined ? checkedDsn(body.dsn ?? currentDsn, body.driver ?? current.driver) : parseDsn(currentDsn);
    const next: Omit<ServiceRecord, 'id' | 'createdAt' | 'updatedAt'> = {
      name: current.name,
      label: body.label ?? current.label,
      driver: driverName(dsn),
      dsnSealed: body.dsn !== undefined ? keyring.encrypt(dsnText(dsn), dsnAssociatedData(current.name)) : current.dsnSealed,
      schemaName: body.schema ?? current.schemaName,
      readOnly: body.read_only ?? current.readOnly,
      rawSqlAllowed: body.raw_sql_allowed ?? current.rawSqlAllowed,
      isActive: body.is_active ?? current.isActive,
      poolSize: body.pool_size ?? current.poolSize,
      statementTimeoutMs: body.statement_timeout_ms ?? current.statementTimeoutMs,
      source: 'api',
    };
    const settings = settingsFromRecord({ ...current, ...next }, keyring, config);
    const reconnect =
      next.isActive &&
      (!current.isActive ||
        !registry.has(current.name) ||
        next.dsnSealed !== current.dsnSealed ||
        next.schemaName !== current.schemaName ||
        next.poolSize !== current.poolSize ||
        next.statementTimeoutMs !== current.statementTimeoutMs);
    const connection = reconnect ? await connectOrRefuse(settings) : undefined;
    const updated = await updateService(store, current.name, next);
    if (!next.isActive) await registry.remove(current.name);
    else if (connection) await registry.put(settings, connection);
    else registry.updateSettings(settings);
    cache.invalidate();
    res.json(serviceJson(updated as ServiceRecord));
  });

  router.delete('/service/:name', async (req: Request, res: Response) => {
    adminContext(res);
    const current = await existing(nameParam(req));
    refuseConfigManaged(current);
    await deleteService(store, current.name);
    await registry.remove(current.name);
    cache.invalidate();
    res.json({ success: true, message: `Service '${current.name}' deleted` });
  });

  router.get('/service/:name/test', async (req: Request, res: Response) => {
    adminContext(res);
    const name = nameParam(req);
    await existing(name);
    try {
      await registry.ping(name);
    } catch (error) {
      const reason = error instanceof ApiError ? error.message : describeFailure(error);
      throw new ApiError(503, `Connection failed: ${reason}`, 'connectionFailed', { service: name });
    }
    res.json({ success: true, message: 'Connection successful' });
  });

  router.post('/service/:name/refresh', async (req: Request, res: Response) => {
    adminContext(res);
    const name = nameParam(req);
    await existing(name);
    const snapshot = await registry.refresh(name);
    res.json({ success: true, message: 'Catalog reloaded', tables: snapshot.catalog.tables.size, procedures: snapshot.catalog.procedures.size });
  });

  return router;
}
