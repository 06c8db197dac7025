/**
 * What Sluice's MCP server is and offers, as clients (`initialize`, `tools/list`) and the System API
 * (`GET /api/v1/system/mcp`) describe it. Kept apart from mcp-server.ts so that describing the server
 * does not load the MCP SDK's server and transport: the HTTP transport imports those on the first
 * `/mcp` request (about 14 MB of resident memory a server that is never asked over MCP does not need).
 *
 * May import: mcp-tools, the SDK's types (erased).
 */
import { createRequire } from 'node:module';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { toolJsonSchema, TOOLS, type ToolDefinition } from './mcp-tools.js';

export const SERVER_NAME = 'sluice';
export const SERVICES_URI = 'sluice://services';
export const SCHEMA_URI_TEMPLATE = 'sluice://schema/{service}';

/** Sluice's version (package.json sits two levels above both src/mcp and dist/mcp). */
export const SERVER_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** A tool as `tools/list` and the System API describe it. */
export function describeTool(tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toolJsonSchema(tool),
    annotations: { title: tool.title, readOnlyHint: tool.readOnly, destructiveHint: tool.destructive, openWorldHint: false },
  };
}

/** Every tool, for the System API's description of the MCP server. */
export function allTools(): Tool[] {
  return TOOLS.map((tool) => describeTool(tool as unknown as ToolDefinition));
}
