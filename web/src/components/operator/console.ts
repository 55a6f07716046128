// What every console section gets from the console.
import type { Lot } from '../../types.ts';

export interface SectionProps {
  /** The operator's bearer token. */
  token: string;
  /** Who is signed in: the staff page marks one's own account (it cannot disable itself). */
  accountId: string;
  role: 'city' | 'admin' | 'staff';
  /** The account may change the estate (an operator's admin); city and staff only read it. */
  canEdit: boolean;
  /** Call on a 401: signs out and says the sign-in expired. */
  onExpired: () => void;
  /** Every lot, for names and the analytics filter; empty until loaded. */
  lots: readonly Lot[];
  /** A lot's name in the page's language; the id itself for an unknown lot. */
  lotName: (lotId: string) => string;
  /** Tell the console an alert was acknowledged or resolved (its header count re-reads). */
  onAlertsChanged?: () => void;
}
