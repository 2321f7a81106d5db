// Prisma CLI configuration. The CLI runs offline on the bundled wasm schema engine through the pg adapter.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { defineConfig } from 'prisma/config';

// prisma/orm#27403: the wasm engine's introspection returns `name` (19) and `"char"` (18) columns that
// adapter-pg 6.x cannot deserialize; read them as text. CLI only, never on the runtime path.
const TEXT_OID = 25;
for (const oid of [18, 19]) pg.types.setTypeParser(oid, (value: string) => value);
const originalParse = (pg as any).Query?.prototype?.handleRowDescription;
if (originalParse) {
  (pg as any).Query.prototype.handleRowDescription = function (msg: { fields: { dataTypeID: number }[] }) {
    for (const field of msg.fields) if (field.dataTypeID === 18 || field.dataTypeID === 19) field.dataTypeID = TEXT_OID;
    return originalParse.call(this, msg);
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
