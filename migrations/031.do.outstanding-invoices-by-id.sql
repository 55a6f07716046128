-- The auto-charger's safety-net scan walks the outstanding invoices by id, a slice at a time
-- (payments/auto-charger.ts sweepAutoChargeable): each slice is this index's next few hundred
-- entries, never the paid ones, and never every outstanding invoice in one statement.
CREATE INDEX invoices_outstanding_by_id ON invoices (id) WHERE status = 'outstanding';
