/** O3C log levels (reference Table 12). */
export const LOG_LEVELS = { nothing: 0, error: 1, warning: 2, notice: 3, debug: 4 } as const;
export type LogLevelName = Exclude<keyof typeof LOG_LEVELS, 'nothing'>;
export type LogLevel = (typeof LOG_LEVELS)[keyof typeof LOG_LEVELS];
