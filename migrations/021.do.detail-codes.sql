-- What an exception says as a code and its parameters, {"code": …, "params": {…}} (issue 11,
-- billing/exception-details.ts): the console words it in zh or en. `detail` keeps the English
-- sentence for the log and the database reader. NULL on rows written before: the console shows
-- their English `detail` as stored.
ALTER TABLE session_exceptions ADD COLUMN detail_coded jsonb;

-- Why a device message was refused, as its code (core/protocol.ts REJECT_CODES), beside the English
-- reason: the device page words the code in zh or en. NULL on rows written before.
ALTER TABLE dead_letters ADD COLUMN code text;
