// Failed device sign-ins are throttled in memory, before the database: a flood of CONNECTs with
// wrong secrets costs a map lookup each, not a query and a hash. Per address (one machine trying
// many ids) and per device id (many machines trying one id), both with a short lock, and a device
// is never locked out of the address it last signed in from: a stranger's failures on its id lock
// the stranger's addresses, not the device where it lives.
import { LoginLimiter } from '../core/login-limiter.ts';

export interface ConnectLimits {
  /** Wrong secrets from one address before it is locked: more than per id, since a garage's devices may share one address (NAT). */
  addressFailures: number;
  /** Wrong secrets for one device id before it is locked (except from the address it last signed in from). */
  deviceFailures: number;
  /** Lock length, ms: long enough that guessing is pointless, short enough that a misconfigured device recovers by itself. */
  lockMs: number;
}

export const DEFAULT_CONNECT_LIMITS: ConnectLimits = { addressFailures: 20, deviceFailures: 5, lockMs: 60_000 };

export class ConnectLimiter {
  private readonly byAddress: LoginLimiter;
  private readonly byDevice: LoginLimiter;
  /** Where each device last signed in; bounded by the fleet (written only on success). */
  private readonly home = new Map<string, string>();

  constructor(limits: ConnectLimits = DEFAULT_CONNECT_LIMITS) {
    this.byAddress = new LoginLimiter(limits.addressFailures, limits.lockMs);
    this.byDevice = new LoginLimiter(limits.deviceFailures, limits.lockMs);
  }

  /** Milliseconds until `deviceId` may try again from `address`; 0 when it may try now. */
  retryAfterMs(deviceId: string, address: string, now = Date.now()): number {
    const byAddress = this.byAddress.retryAfterMs(address, now);
    const byDevice = this.home.get(deviceId) === address ? 0 : this.byDevice.retryAfterMs(deviceId, now);
    return Math.max(byAddress, byDevice);
  }

  fail(deviceId: string, address: string, now = Date.now()): void {
    this.byAddress.fail(address, now);
    this.byDevice.fail(deviceId, now);
  }

  /** A good secret: the id's failures are forgotten and this address becomes its home. */
  succeed(deviceId: string, address: string): void {
    this.byDevice.succeed(deviceId);
    this.home.set(deviceId, address);
  }
}
