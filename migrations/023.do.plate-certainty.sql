-- Plate certainty (issue 13, docs/plates.md): whether the plate a stay is billed to rests on strong
-- evidence. 'certain': the reads agree (or the dissent is impossible or weak, see the doc);
-- 'uncertain': they do not, so the stay waits in the operators' review queue; 'pending': a street
-- stay closed by its sensor whose camera's exit read has not arrived yet; 'confirmed': an operator
-- approved it. The evidence is kept beside it: which reads, their confidences, the candidates.
ALTER TABLE sessions ADD COLUMN plate_certainty text NOT NULL DEFAULT 'certain'
  CHECK (plate_certainty IN ('certain', 'uncertain', 'pending', 'confirmed'));
ALTER TABLE sessions ADD COLUMN plate_evidence jsonb;

-- An invoice whose plate is not certain is nobody's bill yet: hidden from the plate's lookup and
-- account, never reminded, charged or paid, until the plate is certain or an operator confirms it.
ALTER TABLE invoices ADD COLUMN plate_certain boolean NOT NULL DEFAULT true;

ALTER TABLE session_exceptions DROP CONSTRAINT session_exceptions_kind_check;
ALTER TABLE session_exceptions ADD CONSTRAINT session_exceptions_kind_check
  CHECK (kind IN ('exit-without-entry', 'overstay', 'double-entry', 'low-confidence', 'unreadable-plate', 'bay-handover', 'no-tariff',
                  'payment-mismatch', 'uncertain-plate'));
