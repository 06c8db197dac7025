/**
 * A small program on the typed REST client that `sluice codegen` writes, for the demo shop's tables
 * (`orders`, `products`). Generate the client next to this file, compile, run:
 *
 *   sluice codegen --url http://localhost:8080 --service shop --api-key "$KEY" --out codegen/examples/sdk
 *   npx tsc -p codegen/examples
 *   SLUICE_URL=http://localhost:8080 SLUICE_API_KEY="$KEY" node codegen/examples/dist/rest-client.js
 *
 * It prints one JSON object. Every column name below is checked by the compiler against what the
 * key's role may read: with a role that cannot see `orders.total`, this file does not compile.
 */
import { SERVICE, createSluiceClient, type Row, type SluiceError } from './sdk/rest/client.js';

const sluice = createSluiceClient({
  baseUrl: process.env.SLUICE_URL ?? 'http://localhost:8080',
  ...(process.env.SLUICE_API_KEY ? { apiKey: process.env.SLUICE_API_KEY } : {}),
  ...(process.env.SLUICE_TOKEN ? { token: process.env.SLUICE_TOKEN } : {}),
});

function fail(error: SluiceError): never {
  process.stderr.write(`${error.error.code} ${String(error.error.context.reason)}: ${error.error.message}\n`);
  process.exit(1);
}

// The five largest paid orders of at least 100, and how many such orders there are.
const paid = await sluice.listRows('orders', {
  fields: ['id', 'status', 'total'],
  filter: { status: 'paid', total: { gte: '100' } },
  order: ['total DESC', 'id'],
  limit: 5,
  includeCount: true,
});
if (paid.error) fail(paid.error);
// The rows carry exactly the chosen fields: `id` is a bigint, so a string.
const largest: Row<'orders', 'id' | 'status' | 'total'>[] = paid.data.resource;

// One product by primary key.
const product = await sluice.getRow('products', 1, { fields: ['id', 'name', 'price'] });
if (product.error) fail(product.error);

// Conditions of several kinds on one table: a list, a case-insensitive pattern, a null test.
const some = await sluice.listRows('products', {
  fields: ['id', 'name', 'price'],
  filter: { category_id: { in: [1, 2, 3] }, name: { ilike: '%a%' }, released_on: { is: 'not.null' } },
  order: ['price', 'id'],
  limit: 3,
});
if (some.error) fail(some.error);

// List values may hold commas, parentheses and backslashes.
const named = await sluice.listRows('products', {
  fields: ['id', 'name'],
  filter: { description: { in: ['Printed with the classic shrug: ¯\\_(ツ)_/¯', 'Small, light and surprisingly capable.'] } },
  order: 'id',
  limit: 4,
});
if (named.error) fail(named.error);

// The path-typed openapi-fetch client underneath, with a Faucet filter expression.
const cheap = await sluice.GET(`/api/v1/${SERVICE}/_table/products`, {
  params: { query: { filter: 'price < 20', fields: 'id,name,price', order: 'price, id', limit: 3 } },
});
if (cheap.error) fail(cheap.error);

// Failures come back as the typed error envelope.
const missing = await sluice.getRow('products', 2147483647);

process.stdout.write(
  `${JSON.stringify(
    {
      largestPaidOrders: largest,
      paidOrdersOf100OrMore: paid.data.meta.total ?? null,
      product: product.data,
      someProducts: some.data.resource,
      namedProducts: named.data.resource,
      cheapProducts: cheap.data.resource.map((p) => ({ id: p.id, name: p.name, price: p.price })),
      missingProduct: missing.error ? { status: missing.error.error.code, reason: missing.error.error.context.reason } : null,
    },
    null,
    2,
  )}\n`,
);
