-- A garage's gate balance (ingest/gate-balance.ts) where several ingest processes share one
-- database: its gate cameras may report through one process and its bay sensors through another,
-- so the balance lives here, not in one process's memory. Written by the writer that stores the
-- garage's gate reports and sensor changes (under the lot's lock, ingest/lot-locks.ts), read back by
-- every writer and evidence check. `state`: the cars let in and not yet seen park, the sensors'
-- parks before their gate report, the sensors' leaves, and the last 20 minutes of gate reports
-- (epoch ms). `doubted`: the bays the evidence check shows unknown for the garage's missing cars.
-- One process on its own keeps all of it in memory and never writes here.
CREATE TABLE lot_gate_balance (
  lot_id     text PRIMARY KEY REFERENCES lots(id) ON DELETE CASCADE,
  state      jsonb NOT NULL DEFAULT '{}',
  doubted    text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lot_gate_balance_updated ON lot_gate_balance (updated_at);
