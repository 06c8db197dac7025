/**
 * The names of the MCP tools (see src/mcp/), in one place both the MCP server and the System API
 * use: an API key's `allowed_tools` allow-list (hs-sql-agent's `allowedTools`) may name only these,
 * and an MCP caller sees and calls only the tools on its key's list (when it has one), on top of
 * what its role's access rules allow.
 *
 * May import: nothing (leaf module).
 */
export const MCP_TOOL_NAMES = [
  'list_services',
  'list_tables',
  'describe_table',
  'query',
  'insert_rows',
  'update_rows',
  'delete_rows',
  'call_procedure',
  'run_sql',
] as const;

export type McpToolName = (typeof MCP_TOOL_NAMES)[number];

export function isMcpToolName(name: string): name is McpToolName {
  return (MCP_TOOL_NAMES as readonly string[]).includes(name);
}
