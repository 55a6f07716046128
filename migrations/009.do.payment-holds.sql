-- Payments safe on the internet (payments/provider-outcomes.ts).
-- A provider notification (or the recovery scan's lookup) whose amount or currency is not the
-- charge's own is never applied: the charge is 'held' and its invoice 'held' (neither paid nor
-- payable again: money may have moved) until an operator has looked. The review queue shows it
-- as a 'payment-mismatch' exception of the invoice's session, with both amounts.
ALTER TABLE charges DROP CONSTRAINT charges_status_check;
ALTER TABLE charges ADD CONSTRAINT charges_status_check
  CHECK (status IN ('pending', 'succeeded', 'declined', 'failed', 'refunded', 'held'));
ALTER TABLE invoices DROP CONSTRAINT invoices_status_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_check
  CHECK (status IN ('outstanding', 'paying', 'paid', 'void', 'refunded', 'held'));

-- A held charge may have captured money, like a pending or succeeded one: the database refuses a
-- second live attempt beside it, whatever a future code path forgets.
DROP INDEX charges_one_live_per_invoice;
CREATE UNIQUE INDEX charges_one_live_per_invoice ON charges (invoice_id) WHERE status IN ('pending', 'succeeded', 'held');

ALTER TABLE session_exceptions DROP CONSTRAINT session_exceptions_kind_check;
ALTER TABLE session_exceptions ADD CONSTRAINT session_exceptions_kind_check
  CHECK (kind IN ('exit-without-entry', 'overstay', 'double-entry', 'low-confidence', 'unreadable-plate', 'bay-handover', 'no-tariff',
                  'payment-mismatch'));

-- A stranger's one-off payment now asks whether the invoice awaits its owner's contactless charge
-- (payments/charging.ts contactlessDue), as the auto-charger already did for every invoice it
-- charges: the owner's default method by driver, without reading every driver's methods.
CREATE INDEX payment_methods_default ON payment_methods (driver_id) WHERE is_default;
