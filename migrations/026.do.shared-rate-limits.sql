-- Sign-in and account rate limits counted in the database, so that every api process on it counts
-- together (api/rate-limit-store.ts): a guesser spreading tries over the processes behind a load
-- balancer gets the budget once, not once per process. UNLOGGED: a crash may forget a minute's
-- counts, which costs nothing, and the counters cost no WAL. The key is an HMAC of the limit's key
-- (an address, a phone), never the phone itself.
CREATE UNLOGGED TABLE rate_limit_hits (
  key       text PRIMARY KEY,
  hits      integer NOT NULL,
  reset_at  timestamptz NOT NULL
);
CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at);
