/**
 * The rows of Sluice's demo database, "a small shop": a pure, deterministic generator.
 *
 * This module owns the *data* only (no SQL): `generateDemoData()` returns plain objects per table,
 * with explicit ids, so the PostgreSQL and MySQL/MariaDB variants written by `demo-sql.ts` hold
 * exactly the same rows. Randomness comes from a seeded mulberry32 PRNG (one stream per table, so
 * changing one table's generator does not reshuffle the others); there is no `Math.random` and no
 * clock, so every call returns deep-equal data.
 *
 * Value representation (engine-neutral; `demo-sql.ts` turns these into literals):
 * - timestamps (`timestamptz` / `TIMESTAMP(6)`): ISO-8601 strings in UTC with exactly six fractional
 *   digits, e.g. `'2024-03-05T17:04:09.120034Z'`;
 * - dates: `'YYYY-MM-DD'`;
 * - numerics (`numeric` / `DECIMAL`): decimal strings with the column's scale, e.g. `'12.50'`;
 * - `weight_kg` (`real` / `FLOAT`): a JS number that is a multiple of 0.25, so it is exact in binary
 *   single precision and reads back identically on every engine;
 * - bytes (`bytea` / `BLOB`): `Uint8Array` (a Node `Buffer` compares equal only after
 *   `Buffer.from(...)`, so compare as hex in tests);
 * - JSON (`jsonb` / `JSON`): plain JS values (`DemoJson`);
 * - `customers.tags` (`text[]` / JSON array): `string[]`;
 * - enums: their label strings; booleans: `true`/`false`.
 *
 * Rows that tests can rely on by id are listed in `DEMO_IDS`.
 */

/** A JSON value as stored in the demo's `jsonb` / `JSON` columns. */
export type DemoJson = null | boolean | number | string | DemoJson[] | { [key: string]: DemoJson };
/** A JSON object value. */
export type DemoJsonObject = { [key: string]: DemoJson };

/** Labels of the `customer_tier` enum, in declaration order. */
export const CUSTOMER_TIERS = ['bronze', 'silver', 'gold', 'platinum'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

/** Labels of the `order_status` enum, in declaration order. */
export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A row of `categories` (a 2–3 level tree through `parent_id`). */
export interface CategoryRow {
  id: number;
  parent_id: number | null;
  name: string;
  slug: string;
  description: string | null;
}

/** A row of `customers`. */
export interface CustomerRow {
  id: number;
  /** Lowercase canonical UUID (version-4 layout, generated from the PRNG). */
  uuid: string;
  email: string;
  full_name: string;
  tier: CustomerTier;
  marketing_opt_in: boolean;
  preferences: DemoJsonObject | null;
  /** `text[]` on PostgreSQL, a JSON array of strings on MySQL. */
  tags: string[];
  /** `'YYYY-MM-DD'` or null. */
  birth_date: string | null;
  avatar: Uint8Array | null;
  /** ISO-8601 UTC with microseconds. */
  created_at: string;
}

/** A row of `products`. */
export interface ProductRow {
  id: number;
  sku: string;
  name: string;
  description: string | null;
  category_id: number;
  /** numeric(10,2) as a decimal string. */
  price: string;
  /** A multiple of 0.25 (exact in float4), or null. */
  weight_kg: number | null;
  is_active: boolean;
  attributes: DemoJsonObject;
  released_on: string | null;
  updated_at: string | null;
}

/** A row of `tags`. */
export interface TagRow {
  id: number;
  name: string;
}

/** A row of the `product_tags` junction. */
export interface ProductTagRow {
  product_id: number;
  tag_id: number;
}

/** A row of `orders`. `id` is a bigint column; the values are small enough to be JS numbers here. */
export interface OrderRow {
  id: number;
  customer_id: number;
  status: OrderStatus;
  placed_at: string;
  shipped_at: string | null;
  /** numeric(12,2): exactly the sum of the order's items' `quantity * unit_price - discount`. */
  total: string;
  shipping_address: DemoJsonObject | null;
  notes: string | null;
}

/** A row of `order_items`. */
export interface OrderItemRow {
  order_id: number;
  product_id: number;
  quantity: number;
  /** numeric(10,2). */
  unit_price: string;
  /** numeric(5,2): an absolute amount off the line, never more than the line. */
  discount: string;
}

/** All demo rows, keyed by table name (the keys are the SQL table names). */
export interface DemoData {
  categories: CategoryRow[];
  customers: CustomerRow[];
  products: ProductRow[];
  tags: TagRow[];
  product_tags: ProductTagRow[];
  orders: OrderRow[];
  order_items: OrderItemRow[];
}

/**
 * Ids of hand-made rows that tests can rely on. Everything else is generated from the PRNG.
 */
export const DEMO_IDS = {
  customers: {
    /** "Patrick O'Brien": apostrophe, nested preferences JSON, non-empty tags, avatar bytes (PNG signature + 0x00 0x27 0x5c 0xff). */
    obrien: 1,
    /** "Zoë Lefèvre": accents; preferences JSON with an escaped quote and non-ASCII; empty tags. */
    zoe: 2,
    /** "李明": CJK full name. */
    li: 3,
    /** "Ingrid Andersen": every nullable column NULL, empty tags, and no orders. */
    allNulls: 4,
    /** "Kwame Okafor": tags with a space and a comma ('big spender', 'north,west'). */
    trickyTags: 5,
    /** Customers in this inclusive range never place an order (id 4 has none either). */
    noOrdersFrom: 481,
    noOrdersTo: 500,
  },
  products: {
    /** "100% Merino Cycling Jersey": the only product name containing `%`. */
    percent: 1,
    /** "Cable_Tidy Desk Organizer": the only product name containing `_`. */
    underscore: 2,
    /** "Shrug Mug": description contains a backslash (¯\_(ツ)_/¯). */
    backslash: 3,
    /** "Mystery Box": every nullable column NULL, `attributes` is `{}`, no tags, never ordered. */
    allNulls: 4,
    /** "Chef's Knife 20 cm": apostrophe. */
    apostrophe: 5,
    /** "Café Crème Espresso Cups": accents. */
    accents: 6,
    /** Products in this inclusive range are never ordered. */
    neverOrderedFrom: 191,
    neverOrderedTo: 200,
  },
  categories: {
    /** Root categories and inner nodes hold no products directly: 1, 2, 6, 9. */
    withoutProducts: [1, 2, 6, 9] as readonly number[],
  },
  tags: {
    /** Tags used by no product. */
    unused: [29, 30] as readonly number[],
  },
  orders: {
    /** An order whose `notes` contain a newline and an apostrophe. */
    multilineNote: 7,
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and formatting helpers

/** mulberry32: a tiny 32-bit seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG stream with the small helpers the generators need. */
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }
  /** `count` distinct items, in the order drawn. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) {
      const [item] = pool.splice(this.int(0, pool.length - 1), 1);
      if (item !== undefined) out.push(item);
    }
    return out;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** Fixed per-table seeds: changing one table's generator leaves the others' streams alone. */
const SEEDS = {
  customers: 0x5eed0001,
  products: 0x5eed0002,
  productTags: 0x5eed0003,
  orders: 0x5eed0004,
} as const;

const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;

/** Microseconds since the Unix epoch for a UTC calendar instant. */
function utcMicros(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, micro = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + micro;
}

/** Formats epoch microseconds as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fractional digits). */
function isoMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const fraction = String(micros - Math.floor(micros / MICROS_PER_SECOND) * MICROS_PER_SECOND).padStart(6, '0');
  return `${new Date(millis).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Formats epoch microseconds' UTC date as `YYYY-MM-DD`. */
function isoDate(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10);
}

/** Formats a non-negative integer number of cents as a 2-scale decimal string (`1250` → `'12.50'`). */
export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new Error(`invalid cents: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** Parses a decimal string with at most 2 fractional digits into integer cents (`'12.5'` → `1250`). */
export function decimalToCents(value: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) throw new Error(`not a 2-scale decimal: ${value}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

/** A random instant in [from, to) with a microsecond component. */
function randomMicros(rng: Rng, from: number, to: number): number {
  return from + Math.floor(rng.float() * (to - from));
}

/** A version-4-layout UUID from 16 PRNG bytes. */
function uuidFrom(rng: Rng): string {
  const b = rng.bytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// Categories (hand-written tree)

function generateCategories(): CategoryRow[] {
  const c = (id: number, parent_id: number | null, name: string, slug: string, description: string | null): CategoryRow => ({
    id,
    parent_id,
    name,
    slug,
    description,
  });
  return [
    c(1, null, 'Electronics', 'electronics', 'Gadgets, computers and everything that needs a charger.'),
    c(2, 1, 'Computers', 'computers', 'Portable and desktop computing.'),
    c(3, 2, 'Laptops', 'laptops', null),
    c(4, 2, 'Computer Accessories', 'computer-accessories', 'Cables, hubs, stands and desk clutter solutions.'),
    c(5, 1, 'Audio', 'audio', 'Headphones, speakers and the odd turntable.'),
    c(6, null, 'Home & Kitchen', 'home-kitchen', 'Things for the place you live in.'),
    c(7, 6, 'Cookware', 'cookware', "Pots, pans, knives and the chef's other friends."),
    c(8, 6, 'Furniture', 'furniture', null),
    c(9, null, 'Outdoors', 'outdoors', 'Gear for getting out of the house.'),
    c(10, 9, 'Camping', 'camping', 'Tents, stoves and sleeping bags.'),
    c(11, 9, 'Cycling', 'cycling', 'Bikes, clothing and repair kits.'),
    c(12, null, 'Books & Media', 'books-media', null),
  ];
}

// ---------------------------------------------------------------------------------------------
// Customers

/** [display, ascii-for-email] */
const FIRST_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['Olivia', 'olivia'], ['Liam', 'liam'], ['Amelia', 'amelia'], ['Noah', 'noah'], ['Isla', 'isla'],
  ['Oliver', 'oliver'], ['Ava', 'ava'], ['Elijah', 'elijah'], ['Mia', 'mia'], ['Lucas', 'lucas'],
  ['Sofia', 'sofia'], ['Mateo', 'mateo'], ['Chloé', 'chloe'], ['José', 'jose'], ['Zoë', 'zoe'],
  ['Łukasz', 'lukasz'], ['Søren', 'soren'], ['Ngozi', 'ngozi'], ['Aarav', 'aarav'], ['Priya', 'priya'],
  ['Kenji', 'kenji'], ['Yuki', 'yuki'], ['Fatima', 'fatima'], ['Omar', 'omar'], ['Ingrid', 'ingrid'],
  ['Björn', 'bjorn'], ['Anaïs', 'anais'], ['Siobhán', 'siobhan'], ['Tomás', 'tomas'], ['Mei', 'mei'],
  ['Hana', 'hana'], ['Dmitri', 'dmitri'], ['Elena', 'elena'], ['Chiara', 'chiara'], ['Giulia', 'giulia'],
  ['Kwame', 'kwame'], ['Amara', 'amara'], ['Rafael', 'rafael'], ['Leila', 'leila'], ['Nikolai', 'nikolai'],
];

const LAST_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['Smith', 'smith'], ['Johnson', 'johnson'], ['García', 'garcia'], ['Müller', 'muller'], ["O'Brien", 'obrien'],
  ["O'Connor", 'oconnor'], ['Nguyen', 'nguyen'], ['Kowalski', 'kowalski'], ['Rossi', 'rossi'], ['Dubois', 'dubois'],
  ['Andersen', 'andersen'], ['Okafor', 'okafor'], ['Patel', 'patel'], ['Tanaka', 'tanaka'], ['Haddad', 'haddad'],
  ['Silva', 'silva'], ['Novak', 'novak'], ['Fernández', 'fernandez'], ["D'Angelo", 'dangelo'], ['van der Berg', 'vanderberg'],
  ['MacLeod', 'macleod'], ['Ivanova', 'ivanova'], ['Kim', 'kim'], ['Chen', 'chen'], ['Larsen', 'larsen'],
  ['Moreau', 'moreau'], ['Brennan', 'brennan'], ['Schmidt', 'schmidt'], ['Costa', 'costa'], ['Yılmaz', 'yilmaz'],
];

/** Whole names in non-Latin scripts: [display, ascii local part]. */
const NON_LATIN_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['王芳', 'wang.fang'], ['张伟', 'zhang.wei'], ['田中 陽子', 'tanaka.yoko'], ['김민준', 'kim.minjun'],
  ['Алексей Смирнов', 'aleksei.smirnov'], ['Ελένη Παπαδοπούλου', 'eleni.papadopoulou'], ['ياسمين حداد', 'yasmin.haddad'],
];

const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
const CUSTOMER_TAGS = ['vip', 'wholesale', 'newsletter', 'early-adopter', 'returning', 'b2b', 'student'] as const;
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pl', 'ja', 'zh'] as const;
const TOPICS = ['deals', 'new-arrivals', 'outdoors', 'cooking', 'tech', 'books'] as const;

/** Customers may be created from here… */
const CUSTOMERS_FROM = utcMicros(2023, 1, 1);
/** …until here (exclusive); orders follow their customer's creation. */
const CUSTOMERS_TO = utcMicros(2025, 1, 1);
/** Orders are placed before this instant (shipping then still lands in 2025). */
const ORDERS_TO = utcMicros(2025, 12, 20);

function randomPreferences(rng: Rng): DemoJsonObject {
  const prefs: DemoJsonObject = {
    language: rng.pick(LANGUAGES),
    newsletter: {
      frequency: rng.pick(['daily', 'weekly', 'monthly']),
      topics: rng.sample(TOPICS, rng.int(0, 3)),
    },
  };
  if (rng.chance(0.5)) prefs.theme = rng.pick(['light', 'dark', 'system']);
  if (rng.chance(0.3)) prefs.notifications = { email: rng.chance(0.7), sms: rng.chance(0.2) };
  return prefs;
}

function generateCustomers(): CustomerRow[] {
  const rng = new Rng(SEEDS.customers);
  const rows: CustomerRow[] = [];
  for (let id = 1; id <= 500; id++) {
    // Draw everything for every row (even hand-made ones) so the stream stays aligned.
    const uuid = uuidFrom(rng);
    const createdAt = isoMicros(randomMicros(rng, CUSTOMERS_FROM, CUSTOMERS_TO));
    let fullName: string;
    let local: string;
    if (rng.chance(0.08)) {
      [fullName, local] = rng.pick(NON_LATIN_NAMES);
    } else {
      const [first, firstAscii] = rng.pick(FIRST_NAMES);
      const [last, lastAscii] = rng.pick(LAST_NAMES);
      fullName = `${first} ${last}`;
      local = `${firstAscii}.${lastAscii}`;
    }
    const email = `${local}${id}@${rng.pick(EMAIL_DOMAINS)}`;
    const tierRoll = rng.float();
    const tier: CustomerTier = tierRoll < 0.55 ? 'bronze' : tierRoll < 0.8 ? 'silver' : tierRoll < 0.95 ? 'gold' : 'platinum';
    const optIn = rng.chance(0.4);
    const preferences = rng.chance(0.7) ? randomPreferences(rng) : null;
    const tags = rng.chance(0.5) ? rng.sample(CUSTOMER_TAGS, rng.int(1, 3)) : [];
    const birthDate = rng.chance(0.75) ? isoDate(randomMicros(rng, utcMicros(1950, 1, 1), utcMicros(2006, 1, 1))) : null;
    const avatar = id % 25 === 0 ? rng.bytes(rng.int(8, 32)) : null;
    rows.push({
      id,
      uuid,
      email,
      full_name: fullName,
      tier,
      marketing_opt_in: optIn,
      preferences,
      tags,
      birth_date: birthDate,
      avatar,
      created_at: createdAt,
    });
  }

  const special = (id: number, patch: Partial<CustomerRow>): void => {
    const row = rows[id - 1];
    if (!row) throw new Error(`no customer ${id}`);
    Object.assign(row, patch);
  };
  special(DEMO_IDS.customers.obrien, {
    full_name: "Patrick O'Brien",
    email: 'patrick.obrien@example.com',
    tier: 'gold',
    marketing_opt_in: true,
    preferences: {
      language: 'en',
      theme: 'dark',
      newsletter: { frequency: 'weekly', topics: ['deals', 'outdoors'] },
      addresses: [
        { label: 'home', city: 'Cork', country: 'IE', default: true },
        { label: 'work', city: 'Dublin', country: 'IE', default: false, floor: 3 },
      ],
      notifications: { email: true, sms: false, quiet_hours: { from: '22:00', to: '07:00' } },
    },
    tags: ['vip', 'early-adopter'],
    birth_date: '1984-03-17',
    avatar: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x27, 0x5c, 0xff]),
    created_at: '2023-01-02T09:15:30.123456Z',
  });
  special(DEMO_IDS.customers.zoe, {
    full_name: 'Zoë Lefèvre',
    email: 'zoe.lefevre@example.fr',
    tier: 'platinum',
    marketing_opt_in: false,
    preferences: { language: 'fr', nickname: 'Zoë "Zed" L.', newsletter: { frequency: 'monthly', topics: [] } },
    tags: [],
    birth_date: null,
    avatar: null,
    created_at: '2023-02-14T18:30:00.000001Z',
  });
  special(DEMO_IDS.customers.li, {
    full_name: '李明',
    email: 'li.ming@example.cn',
    tier: 'silver',
    marketing_opt_in: true,
    preferences: null,
    tags: ['vip'],
    birth_date: '1990-08-08',
    avatar: null,
    created_at: '2023-03-01T00:00:00.000000Z',
  });
  special(DEMO_IDS.customers.allNulls, {
    full_name: 'Ingrid Andersen',
    email: 'ingrid.andersen@example.no',
    tier: 'bronze',
    marketing_opt_in: false,
    preferences: null,
    tags: [],
    birth_date: null,
    avatar: null,
  });
  special(DEMO_IDS.customers.trickyTags, {
    full_name: 'Kwame Okafor',
    email: 'kwame.okafor@example.com',
    tags: ['big spender', 'north,west'],
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Products and tags

interface CategoryCatalogue {
  prefix: string;
  nouns: readonly string[];
  /** Price range in cents. */
  price: readonly [number, number];
  /** Weight range in quarter-kilograms. */
  weightQuarters: readonly [number, number];
}

/** Leaf categories that hold products, with what they sell. */
const CATALOGUE: Record<number, CategoryCatalogue> = {
  3: { prefix: 'LAP', nouns: ['Ultrabook', 'Laptop', 'Notebook', 'Chromebook', 'Workstation'], price: [39_900, 249_900], weightQuarters: [4, 12] },
  4: { prefix: 'ACC', nouns: ['USB-C Hub', 'Laptop Stand', 'Wireless Mouse', 'Keyboard', 'Webcam', 'Monitor Arm'], price: [999, 14_999], weightQuarters: [1, 8] },
  5: { prefix: 'AUD', nouns: ['Headphones', 'Earbuds', 'Bookshelf Speaker', 'Soundbar', 'Turntable'], price: [1_999, 59_999], weightQuarters: [1, 40] },
  7: { prefix: 'COO', nouns: ['Frying Pan', 'Saucepan', 'Dutch Oven', 'Santoku Knife', 'Cutting Board', 'Wok'], price: [1_299, 24_999], weightQuarters: [1, 28] },
  8: { prefix: 'FUR', nouns: ['Side Table', 'Bookcase', 'Desk Chair', 'Floor Lamp', 'Bench'], price: [4_999, 89_999], weightQuarters: [12, 160] },
  10: { prefix: 'CAM', nouns: ['Tent', 'Sleeping Bag', 'Camp Stove', 'Headlamp', 'Water Filter'], price: [1_499, 49_999], weightQuarters: [1, 24] },
  11: { prefix: 'CYC', nouns: ['Bike Light', 'Saddle', 'Jersey', 'Multi-Tool', 'Pannier', 'Helmet'], price: [1_299, 19_999], weightQuarters: [1, 12] },
  12: { prefix: 'BKM', nouns: ['Field Guide', 'Cookbook', 'Novel', 'Vinyl Record', 'Atlas'], price: [799, 5_999], weightQuarters: [1, 8] },
};
const PRODUCT_CATEGORY_IDS = [3, 4, 5, 7, 8, 10, 11, 12] as const;

const ADJECTIVES = [
  'Classic', 'Compact', 'Everyday', 'Pro', 'Lightweight', 'Heavy-Duty', 'Nordic', 'Urban', 'Alpine', 'Studio',
  'Travel', 'Deluxe', 'Minimal', 'Rugged', 'Quiet', 'Bright', 'Coastal', 'Vintage',
] as const;
const MODELS = ['', '', ' Mini', ' Max', ' II', ' 2024', ' S', ' XL'] as const;
const COLOURS = ['black', 'white', 'graphite', 'forest green', 'sand', 'navy', 'red'] as const;
const MATERIALS = ['aluminium', 'steel', 'oak', 'cotton', 'recycled plastic', 'cast iron'] as const;

const DESCRIPTIONS = [
  'A dependable choice for daily use.',
  'Designed in-house and tested by our staff for a month before we listed it.',
  "Our best seller this season — it's easy to see why.",
  'Built to last, with a two-year warranty.',
  'Small, light and surprisingly capable.',
  'Ships in plastic-free packaging.',
] as const;

function generateProducts(): ProductRow[] {
  const rng = new Rng(SEEDS.products);
  const rows: ProductRow[] = [];
  for (let id = 1; id <= 200; id++) {
    const categoryId = rng.pick(PRODUCT_CATEGORY_IDS);
    const cat = CATALOGUE[categoryId];
    if (!cat) throw new Error(`no catalogue for category ${categoryId}`);
    const name = `${rng.pick(ADJECTIVES)} ${rng.pick(cat.nouns)}${rng.pick(MODELS)}`;
    const attributes: DemoJsonObject = {};
    if (rng.chance(0.8)) attributes.colour = rng.pick(COLOURS);
    if (rng.chance(0.5)) attributes.material = rng.pick(MATERIALS);
    if (rng.chance(0.3)) attributes.dimensions_cm = { w: rng.int(5, 120), h: rng.int(2, 200), d: rng.int(2, 80) };
    if (rng.chance(0.2)) attributes.features = rng.sample(['waterproof', 'foldable', 'dishwasher-safe', 'usb-c', 'vegan'], rng.int(1, 3));
    if (rng.chance(0.1)) attributes.warranty_years = rng.int(1, 5);
    rows.push({
      id,
      sku: `${cat.prefix}-${String(id).padStart(4, '0')}`,
      name,
      description: rng.chance(0.8) ? rng.pick(DESCRIPTIONS) : null,
      category_id: categoryId,
      price: centsToDecimal(rng.int(cat.price[0], cat.price[1])),
      weight_kg: rng.chance(0.9) ? rng.int(cat.weightQuarters[0], cat.weightQuarters[1]) / 4 : null,
      is_active: rng.chance(0.92),
      attributes,
      released_on: rng.chance(0.85) ? isoDate(randomMicros(rng, utcMicros(2019, 1, 1), utcMicros(2025, 7, 1))) : null,
      updated_at: rng.chance(0.7) ? isoMicros(randomMicros(rng, utcMicros(2023, 1, 1), utcMicros(2025, 12, 31))) : null,
    });
  }

  const special = (id: number, categoryId: number, patch: Partial<ProductRow>): void => {
    const row = rows[id - 1];
    const cat = CATALOGUE[categoryId];
    if (!row || !cat) throw new Error(`no product ${id} / category ${categoryId}`);
    Object.assign(row, { category_id: categoryId, sku: `${cat.prefix}-${String(id).padStart(4, '0')}`, is_active: true }, patch);
  };
  special(DEMO_IDS.products.percent, 11, {
    name: '100% Merino Cycling Jersey',
    description: 'Made of 100% merino wool; machine-washable at 30 °C.',
    price: '89.95',
    weight_kg: 0.25,
    attributes: { colour: 'navy', material: 'merino wool', sizes: ['S', 'M', 'L', 'XL'] },
  });
  special(DEMO_IDS.products.underscore, 4, {
    name: 'Cable_Tidy Desk Organizer',
    description: 'Keeps cables tidy under the desk.',
    price: '14.50',
    weight_kg: 0.5,
  });
  special(DEMO_IDS.products.backslash, 7, {
    name: 'Shrug Mug',
    description: 'Printed with the classic shrug: ¯\\_(ツ)_/¯',
    price: '12.00',
    weight_kg: 0.75,
  });
  special(DEMO_IDS.products.allNulls, 12, {
    name: 'Mystery Box',
    description: null,
    price: '0.00',
    weight_kg: null,
    attributes: {},
    released_on: null,
    updated_at: null,
  });
  special(DEMO_IDS.products.apostrophe, 7, { name: "Chef's Knife 20 cm", price: '64.99', weight_kg: 0.25 });
  special(DEMO_IDS.products.accents, 7, { name: 'Café Crème Espresso Cups', price: '24.90', weight_kg: 1.25 });
  // No generated name may contain the LIKE wildcards; the two special rows above are the only ones.
  for (const row of rows.slice(6)) {
    if (row.name.includes('%') || row.name.includes('_')) throw new Error(`unexpected wildcard in product name ${row.name}`);
  }
  return rows;
}

const TAG_NAMES = [
  'new', 'sale', 'bestseller', 'eco-friendly', 'gift-idea', 'limited-edition', 'clearance', 'staff-pick',
  'handmade', 'imported', 'local', 'vegan', 'waterproof', 'wireless', 'rechargeable', 'dishwasher-safe',
  'foldable', 'ultralight', 'kids', 'premium', 'budget', 'refurbished', 'bundle', 'pre-order',
  'back-in-stock', 'organic', 'fair-trade', 'award-winning', 'discontinued', 'coming-soon',
] as const;

function generateTags(): TagRow[] {
  return TAG_NAMES.map((name, index) => ({ id: index + 1, name }));
}

function generateProductTags(products: readonly ProductRow[]): ProductTagRow[] {
  const rng = new Rng(SEEDS.productTags);
  const usable = Array.from({ length: 28 }, (_, i) => i + 1); // tags 29 and 30 stay unused
  const rows: ProductTagRow[] = [];
  for (const product of products) {
    const count = product.id === DEMO_IDS.products.allNulls ? 0 : rng.int(0, 6);
    const tagIds = rng.sample(usable, count).sort((a, b) => a - b);
    for (const tag_id of tagIds) rows.push({ product_id: product.id, tag_id });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Orders and order items

const STREETS = ['Harbour Street', 'Mill Lane', 'Station Road', 'Rue des Lilas', 'Hauptstraße', 'Via Roma', 'Calle Mayor', 'Kings Avenue'] as const;
const CITIES: ReadonlyArray<readonly [string, string, string]> = [
  ['Cork', 'IE', 'T12 X2Y3'], ['Dublin', 'IE', 'D02 AF30'], ['Lyon', 'FR', '69002'], ['München', 'DE', '80331'],
  ['Bologna', 'IT', '40121'], ['Sevilla', 'ES', '41001'], ['Kraków', 'PL', '31-001'], ['Bergen', 'NO', '5003'],
  ['Leeds', 'GB', 'LS1 4AP'], ['Porto', 'PT', '4000-322'],
];
const NOTES = [
  'Please leave the parcel with the neighbour at no. 12.',
  "Gift — please don't include the invoice.",
  'Call before delivery.',
  'Fragile: glassware inside.',
  'Deliver after 5 pm on weekdays.',
  'Customer asked for a paper receipt.',
] as const;

interface DraftOrder {
  customer_id: number;
  status: OrderStatus;
  placedMicros: number;
  shippedMicros: number | null;
  shipping_address: DemoJsonObject | null;
  notes: string | null;
  items: Array<{ product_id: number; quantity: number; unitCents: number; discountCents: number }>;
}

function generateOrders(customers: readonly CustomerRow[], products: readonly ProductRow[]): { orders: OrderRow[]; items: OrderItemRow[] } {
  const rng = new Rng(SEEDS.orders);
  const orderable = products.filter((p) => p.id < DEMO_IDS.products.neverOrderedFrom && p.id !== DEMO_IDS.products.allNulls);
  const buyers = customers.filter((c) => c.id < DEMO_IDS.customers.noOrdersFrom && c.id !== DEMO_IDS.customers.allNulls);
  const createdMicros = (c: CustomerRow): number => Date.parse(c.created_at) * 1000 + Number(c.created_at.slice(23, 26));

  const drafts: DraftOrder[] = [];
  for (let n = 0; n < 2000; n++) {
    // The first orders go to the hand-made customers so they are guaranteed some history.
    const forced = [DEMO_IDS.customers.obrien, DEMO_IDS.customers.obrien, DEMO_IDS.customers.obrien, DEMO_IDS.customers.zoe, DEMO_IDS.customers.li][n];
    const customer = forced !== undefined ? customers[forced - 1] : rng.pick(buyers);
    if (!customer) throw new Error('missing customer');
    const forcedStatus = ORDER_STATUSES[n];
    const roll = rng.float();
    const status: OrderStatus =
      forcedStatus ?? (roll < 0.1 ? 'pending' : roll < 0.25 ? 'paid' : roll < 0.45 ? 'shipped' : roll < 0.9 ? 'delivered' : 'cancelled');
    const from = createdMicros(customer) + 60 * MICROS_PER_SECOND;
    const placedMicros = randomMicros(rng, from, ORDERS_TO);
    const shippedMicros =
      status === 'shipped' || status === 'delivered' ? placedMicros + randomMicros(rng, MICROS_PER_DAY / 4, 5 * MICROS_PER_DAY) : null;
    let shipping_address: DemoJsonObject | null = null;
    if (rng.chance(0.95)) {
      const [city, country, postal] = rng.pick(CITIES);
      shipping_address = { recipient: customer.full_name, line1: `${rng.int(1, 220)} ${rng.pick(STREETS)}`, city, postal_code: postal, country };
      if (rng.chance(0.2)) shipping_address.line2 = `Flat ${rng.int(1, 40)}`;
    }
    const notes = rng.chance(0.12) ? rng.pick(NOTES) : null;
    const items = rng.sample(orderable, rng.int(1, 4)).map((product) => {
      const quantity = rng.int(1, 5);
      const unitCents = decimalToCents(product.price);
      const line = quantity * unitCents;
      const discountCents = rng.chance(0.2) ? Math.min(99_999, Math.floor(line * rng.pick([0.05, 0.1, 0.15]))) : 0;
      return { product_id: product.id, quantity, unitCents, discountCents };
    });
    drafts.push({ customer_id: customer.id, status, placedMicros, shippedMicros, shipping_address, notes, items });
  }

  // Ids follow the order of placement, like a real shop's.
  drafts.sort((a, b) => a.placedMicros - b.placedMicros);
  const orders: OrderRow[] = [];
  const items: OrderItemRow[] = [];
  drafts.forEach((draft, index) => {
    const id = index + 1;
    const sorted = [...draft.items].sort((a, b) => a.product_id - b.product_id);
    let totalCents = 0;
    for (const item of sorted) {
      totalCents += item.quantity * item.unitCents - item.discountCents;
      items.push({
        order_id: id,
        product_id: item.product_id,
        quantity: item.quantity,
        unit_price: centsToDecimal(item.unitCents),
        discount: centsToDecimal(item.discountCents),
      });
    }
    orders.push({
      id,
      customer_id: draft.customer_id,
      status: draft.status,
      placed_at: isoMicros(draft.placedMicros),
      shipped_at: draft.shippedMicros === null ? null : isoMicros(draft.shippedMicros),
      total: centsToDecimal(totalCents),
      shipping_address: draft.shipping_address,
      notes: draft.notes,
    });
  });
  const multiline = orders[DEMO_IDS.orders.multilineNote - 1];
  if (!multiline) throw new Error('missing order for the multi-line note');
  multiline.notes = "Ring the bell twice.\nIf nobody's in, leave it in the porch.";
  return { orders, items };
}

// ---------------------------------------------------------------------------------------------

/**
 * Generates the demo shop's rows. Pure and deterministic: every call returns fresh objects that are
 * deep-equal to those of any other call. Rows are ordered by primary key; parents come before
 * children (category ids increase down the tree), so inserting table by table in `DEMO_TABLES`
 * order and row by row satisfies every foreign key.
 */
export function generateDemoData(): DemoData {
  const categories = generateCategories();
  const customers = generateCustomers();
  const products = generateProducts();
  const tags = generateTags();
  const product_tags = generateProductTags(products);
  const { orders, items } = generateOrders(customers, products);
  return { categories, customers, products, tags, product_tags, orders, order_items: items };
}
