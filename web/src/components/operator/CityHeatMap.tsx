// The city's occupancy as a heat map at one hour of a typical weekday or weekend, with a time
// slider and a play button that walks a weekday's hours and then a weekend's. The figures it draws
// are on the map element too (data-hour, data-day, data-heat), which the browser test reads.
import { useEffect, useMemo, useState } from 'react';
import { MapContainer, TileLayer } from 'react-leaflet';
import { heatPoints, nextMoment, type DayType, type Moment } from '../../city-view.ts';
import { useMapConfig } from '../../hooks/useMapConfig.ts';
import { useI18n } from '../../i18n.ts';
import { FitPoints, HeatLayer } from '../../map/HeatLayer.tsx';
import { MapResizeWatcher } from '../../map/MapResizeWatcher.tsx';
import type { CityLot } from '../../types.ts';

const STEP_MS = 700;

function usePlay(moment: Moment, setMoment: (m: Moment) => void): [boolean, (on: boolean) => void] {
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!playing) return;
    const timer = setTimeout(() => {
      const next = nextMoment(moment);
      if (next) setMoment(next);
      else setPlaying(false);
    }, STEP_MS);
    return () => clearTimeout(timer);
  }, [playing, moment, setMoment]);
  return [playing, setPlaying];
}

export function CityHeatMap({ lots }: { lots: readonly CityLot[] }) {
  const { t } = useI18n();
  const { config } = useMapConfig();
  const [moment, setMoment] = useState<Moment>({ day: 'weekday', hour: 8 });
  const [playing, setPlaying] = usePlay(moment, setMoment);
  const points = useMemo(() => heatPoints(lots, moment), [lots, moment]);
  const where = useMemo(() => lots.map((l): [number, number] => [l.lat, l.lng]), [lots]);
  const heat = Math.round(points.reduce((s, p) => s + p[2], 0) * 1000) / 1000;
  const dayButton = (day: DayType) => (
    <button type="button" className={`btn btn--small${moment.day === day ? ' is-active' : ''}`} aria-pressed={moment.day === day}
      onClick={() => setMoment({ day, hour: moment.hour })} data-testid={`city-day-${day}`}>
      {t(day === 'weekday' ? 'cityWeekday' : 'cityWeekend')}
    </button>
  );
  return (
    <section className="card" data-testid="city-heat">
      <div className="city-controls">
        <span className="city-days" role="group" aria-label={t('cityWeekday') + ' / ' + t('cityWeekend')}>{dayButton('weekday')}{dayButton('weekend')}</span>
        <label className="city-slider">
          <span>{t('cityHour')} <strong data-testid="city-hour">{t('cityHourValue', { h: moment.hour })}</strong></span>
          <input type="range" min={0} max={23} step={1} value={moment.hour} data-testid="city-slider"
            onChange={(e) => { setPlaying(false); setMoment({ day: moment.day, hour: Number(e.target.value) }); }} />
        </label>
        <button type="button" className="btn btn--small" data-testid="city-play" aria-pressed={playing} onClick={() => setPlaying(!playing)}>
          {playing ? t('cityPause') : t('cityPlay')}
        </button>
      </div>
      <div className="city-map" role="img" aria-label={`${t('cityMapLabel')}: ${t(moment.day === 'weekday' ? 'cityWeekday' : 'cityWeekend')} ${t('cityHourValue', { h: moment.hour })}`}
        data-testid="city-map" data-day={moment.day} data-hour={moment.hour} data-points={points.length} data-heat={heat}>
        {config && (
          <MapContainer className="map" center={[config.center.lat, config.center.lng]} zoom={12} minZoom={9} maxZoom={18}>
            <TileLayer url={config.tileUrl} maxZoom={19} />
            <HeatLayer points={points} />
            <FitPoints points={where} />
            <MapResizeWatcher />
          </MapContainer>
        )}
      </div>
      <p className="city-legend small muted" aria-hidden="true">{t('cityLegendLow')} <span className="city-legend__ramp" /> {t('cityLegendHigh')}</p>
    </section>
  );
}
