/** Vitest global setup: prepares shared server-side fixtures once per run (filled in as suites need them). */
export default async function setup(): Promise<void> {}
