/**
 * A small program on the typed GraphQL client that `sluice codegen` writes, for the demo shop's
 * tables (`orders`, `products`): the documents of ./graphql/*.graphql, typed by GraphQL Code
 * Generator's client preset, and the ready SDK of every root field. Generate, compile, run:
 *
 *   sluice codegen --url http://localhost:8080 --service shop --api-key "$KEY" --out codegen/examples/sdk \
 *     --documents 'codegen/examples/graphql/*.graphql'
 *   npx tsc -p codegen/examples
 *   SLUICE_URL=http://localhost:8080 SLUICE_API_KEY="$KEY" node codegen/examples/dist/graphql-client.js
 *
 * It prints one JSON object. The documents and every field used below are checked against the
 * schema the key's role sees: a document selecting a column the role cannot read does not generate,
 * and code using one does not compile.
 */
import { createGraphqlClient, SluiceGraphqlError } from './sdk/graphql/client.js';
import { CheapProductsDocument, LargestPaidOrdersDocument, ProductByIdDocument, type LargestPaidOrdersQuery } from './sdk/graphql/documents/graphql.js';

const client = createGraphqlClient({
  baseUrl: process.env.SLUICE_URL ?? 'http://localhost:8080',
  ...(process.env.SLUICE_API_KEY ? { apiKey: process.env.SLUICE_API_KEY } : {}),
  ...(process.env.SLUICE_TOKEN ? { token: process.env.SLUICE_TOKEN } : {}),
});

try {
  // The five largest paid orders of at least 100, and how many such orders there are
  // (`$limit` has a default, so it may be left out; `numeric` values travel as strings).
  const paid = await client.request(LargestPaidOrdersDocument, { min: '100' });
  const largest: LargestPaidOrdersQuery['orders'] = paid.orders;

  // One product by primary key, and one that does not exist (null, not an error).
  const product = await client.request(ProductByIdDocument, { id: 1 });
  const missing = await client.request(ProductByIdDocument, { id: 2147483647 });

  const cheap = await client.request(CheapProductsDocument, { below: 20, limit: 3 });

  // The ready SDK: one method per root field, selecting every scalar column the role may read.
  const some = await client.sdk.products({
    where: { category_id: { _in: [1, 2, 3] }, name: { _ilike: '%a%' }, released_on: { _is_null: false } },
    order_by: [{ price: 'asc' }, { id: 'asc' }],
    limit: 3,
  });

  process.stdout.write(
    `${JSON.stringify(
      {
        largestPaidOrders: largest,
        paidOrdersOf100OrMore: paid.orders_aggregate.aggregate.count,
        product: product.products_by_pk,
        missingProduct: missing.products_by_pk,
        cheapProducts: cheap.products,
        someProducts: some.products.map((p) => ({ id: p.id, name: p.name, price: p.price })),
      },
      null,
      2,
    )}\n`,
  );
} catch (error) {
  // Refusals and GraphQL errors arrive as one typed error.
  if (!(error instanceof SluiceGraphqlError)) throw error;
  process.stderr.write(`${error.status}: ${error.message}\n`);
  process.exit(1);
}
