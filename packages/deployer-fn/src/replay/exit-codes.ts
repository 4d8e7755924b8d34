/** maskops-replay's exit codes (README "Replaying a build message"). */
export const ReplayExit = {
  OK: 0,
  /** The deployer asked for redelivery, the function answered non-2xx, or a call failed. */
  FAILED: 1,
  /** Bad arguments or input. */
  USAGE: 2,
  /** stdin stayed open without delivering a message within --stdin-timeout. */
  STDIN_TIMEOUT: 3,
  /** --url or the Cloud Build API did not answer within --timeout. */
  REQUEST_TIMEOUT: 4,
} as const;
export type ReplayExit = (typeof ReplayExit)[keyof typeof ReplayExit];
