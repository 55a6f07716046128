// billing's HTTP surface: public routes, and operator routes the shell mounts behind a token.
export { publicBillingRoutes } from './public.ts';
export { billingOperatorRoutes } from './operator.ts';
