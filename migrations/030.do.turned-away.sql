-- Arrivals turned away (issue 15, the city's picture): per lot and UTC hour, the drivers who asked
-- guidance for a destination whose nearest lot was full. Without guidance they would have driven
-- there, found no space and cruised; OneLot sent them elsewhere. Counted in memory and added here
-- every few seconds by analytics/turned-away.ts.
CREATE TABLE lot_turned_away (
  lot_id   text NOT NULL REFERENCES lots(id),
  hour     timestamptz NOT NULL,
  arrivals integer NOT NULL CHECK (arrivals >= 0),
  PRIMARY KEY (lot_id, hour)
);
CREATE INDEX lot_turned_away_hour ON lot_turned_away (hour);
