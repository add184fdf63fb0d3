import type { ConfigReload, ConfigReloadResult } from '@tether/app-control';
import { ConfigHolder, TetherConfig } from '@tether/config';
import { Clock, LogLevel, LogOutputs, LogSettings, Logger, PrometheusMetrics, TetherMetrics, systemClock } from '@tether/telemetry';

/** The logging keys of the configuration (2.4.1) as LogOutputs takes them. */
export function logSettings(c: TetherConfig): LogSettings {
  return {
    level: c.loglevel as LogLevel,
    logfile: c.logfile,
    rotation: { maxBytes: c.logrotation_filesize, nightly: c.logrotation_nightly, keep: c.logrotation_keep },
    syslog: c.syslog,
    syslogServer: c.syslog_server,
  };
}

/** The logger and metrics of one server process (edge, gateway, control, server), built from its configuration. */
export interface Telemetry {
  logger: Logger;
  outputs: LogOutputs;
  metrics: PrometheusMetrics;
}

/**
 * Builds the logger with its configured outputs (throws when the log file cannot be opened or
 * syslog_server is malformed: the process must not run blind) and the Prometheus metrics.
 */
export function makeTelemetry(config: TetherConfig, clock: Clock = systemClock): Telemetry {
  const logger = new Logger({ level: config.loglevel as LogLevel, sinks: [] });
  const outputs = new LogOutputs(logger, { clock, checkIntervalMs: config.logrotation_check_interval * 1000 });
  outputs.apply(logSettings(config));
  return { logger, outputs, metrics: new PrometheusMetrics() };
}

/** Reloads re-apply the outputs; a bad one (unwritable new log file) keeps those in force and says so. */
export function followReloads(t: Telemetry, live: ConfigHolder): () => void {
  const log = t.logger.child('log');
  return live.onChange((next) => {
    try {
      t.outputs.apply(logSettings(next));
    } catch (err) {
      log.error(`${(err as Error).message}; logging continues as before`);
    }
  });
}

/** Counts every reload (reload_config.cgi, SIGUSR1, the cluster-wide one) in tether_config_reloads_total. */
export function countReloads(reload: ConfigReload, metrics: TetherMetrics): ConfigReload {
  const count = (r: ConfigReloadResult) => {
    metrics.configReload(r.ok ? 'ok' : 'failed');
    return r;
  };
  return {
    reload: (trigger) => {
      const r = reload.reload(trigger);
      return r instanceof Promise ? r.then(count) : count(r);
    },
  };
}
