/**
 * The account lifecycle's periods (SPEC 3), in days: set by the operator
 * (config) and applied by the directory, so both name them from here.
 */
export type LifecyclePeriods = {
  leaverDays: number;
  joinerAliasDays: number;
  disableMaxDays: number;
  inactiveAfterDays: number;
  deleteInactiveAfterDays: number;
  restoreDays: number;
  warningDays: number;
};
