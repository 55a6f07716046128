// An operator and its admin console account, written before the platform starts (the embedded
// database has one owner), as `npm run operator:add` makes them: the benchmarks then sign in over
// HTTP like any console user.
import type { Pool } from '../../core/db/index.ts';
import { hashPassword } from '../../core/passwords.ts';

export async function addOperatorAdmin(pool: Pool, id: string, name: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await pool.query('INSERT INTO operators (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, name]);
  await pool.query(`INSERT INTO operator_accounts (id, operator_id, role, name, password_hash) VALUES ($1, $1, 'admin', $2, $3)
                    ON CONFLICT (id) DO UPDATE SET password_hash = EXCLUDED.password_hash, active = true`, [id, name, hash]);
}
