-- Payments: remember which provider token a charge was made with, so that after a crash between
-- our COMMIT and the provider's answer the recovery scan can re-send the SAME create request (same
-- idempotency key, same body) and get back the same charge (payments/service.ts reconcilePending).
-- A token is the provider's reference to a method, never card data.
ALTER TABLE charges ADD COLUMN source text;

-- The recovery scan and the auto-charger look for these.
CREATE INDEX charges_pending ON charges (created_at) WHERE status = 'pending';
CREATE INDEX charges_invoice ON charges (invoice_id);
