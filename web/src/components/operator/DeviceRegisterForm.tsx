// Register one device: its id, kind, and what it watches (a sensor's bay, a camera's bays, a gate
// camera's lot and lane, optionally the gateway it talks through). The secret comes back once.
import { useState } from 'react';
import { registerDevice } from '../../api.ts';
import { operatorFailure } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import type { DeviceInput, DeviceSecret } from '../../types.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';

type Kind = DeviceInput['kind'];
const KINDS: Array<[Kind, StringKey]> = [['bay-sensor', 'esKindBaySensor'], ['bay-camera', 'esKindBayCamera'], ['gate-camera', 'esKindGateCamera'], ['gateway', 'esKindGateway']];
type Draft = { id: string; kind: Kind; lotId: string; bayCode: string; bays: string; lane: string; gatewayId: string };

function bodyOf(d: Draft): DeviceInput {
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  return {
    id: d.id.trim(), kind: d.kind, gatewayId: opt(d.gatewayId),
    ...(d.kind === 'bay-sensor' ? { bayCode: opt(d.bayCode) } : {}),
    ...(d.kind === 'bay-camera' ? { lotId: opt(d.lotId), bays: d.bays.split(/[\s,;]+/).filter(Boolean) } : {}),
    ...(d.kind === 'gate-camera' ? { lotId: opt(d.lotId), lane: opt(d.lane) } : {}),
    ...(d.kind === 'gateway' ? { lotId: opt(d.lotId) } : {}),
  };
}

export function DeviceRegisterForm({ token, onExpired, onRegistered }: { token: string; onExpired: () => void; onRegistered: (r: DeviceSecret) => void }) {
  const { t } = useI18n();
  const [d, setD] = useState<Draft>({ id: '', kind: 'bay-sensor', lotId: '', bayCode: '', bays: '', lane: '', gatewayId: '' });
  const [error, setError] = useState<string | null>(null);
  const text = (key: keyof Draft, label: StringKey) => (
    <Field label={t(label)}>{(c) => <input {...c} className="input" value={d[key]} onChange={(e) => setD({ ...d, [key]: e.target.value })} data-testid={`device-${key}`} />}</Field>
  );
  const submit = async () => {
    try {
      onRegistered(await registerDevice(token, bodyOf(d)));
      setError(null);
      setD({ ...d, id: '', bayCode: '' });
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
  };
  return (
    <form className="estate-stack" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="device-register">
      <h3>{t('esRegister')}</h3>
      {text('id', 'esDeviceId')}
      <Field label={t('esColKind')}>
        {(c) => (
          <select {...c} className="input" value={d.kind} onChange={(e) => setD({ ...d, kind: e.target.value as Kind })} data-testid="device-kind">
            {KINDS.map(([k, label]) => <option key={k} value={k}>{t(label)}</option>)}
          </select>
        )}
      </Field>
      {d.kind === 'bay-sensor' ? text('bayCode', 'esBayCode') : text('lotId', 'esLotId')}
      {d.kind === 'bay-camera' && text('bays', 'esBayCodes')}
      {d.kind === 'gate-camera' && text('lane', 'esLane')}
      {d.kind !== 'gateway' && text('gatewayId', 'esGatewayId')}
      <button type="submit" className="btn btn--primary" disabled={!d.id.trim()} data-testid="device-register-submit">{t('esRegister')}</button>
      {error && <Notice message={error} />}
    </form>
  );
}
