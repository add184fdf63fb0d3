import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { ConfigHolder } from '@tether/config';
import { MetricsListener } from './metrics.listener';
import { Telemetry, followReloads } from './telemetry';

const TELEMETRY = Symbol('Telemetry');

interface TelemetryHost {
  telemetry: Telemetry;
  live: ConfigHolder;
}

/** The process's own telemetry: the /metrics listener, outputs that follow reloads, a flush at exit. */
@Injectable()
export class TelemetryLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly listener: MetricsListener;
  private unfollow?: () => void;

  constructor(@Inject(TELEMETRY) private readonly host: TelemetryHost) {
    const { telemetry, live } = host;
    this.listener = new MetricsListener(live, telemetry.metrics, telemetry.logger.child('metrics'));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unfollow = followReloads(this.host.telemetry, this.host.live);
    await this.listener.start();
  }

  beforeApplicationShutdown(signal?: string): void {
    this.host.telemetry.logger.child('main').notice(`shutting down${signal ? ` (${signal})` : ''}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.unfollow?.();
    await this.listener.close();
    // Last: Nest exits the process right after the shutdown hooks, and queued lines must reach the file.
    await this.host.telemetry.outputs.close();
  }
}

@Module({})
export class TelemetryModule {
  static register(host: TelemetryHost): DynamicModule {
    return {
      module: TelemetryModule,
      providers: [{ provide: TELEMETRY, useValue: host }, TelemetryLifecycle],
      exports: [TelemetryLifecycle],
    };
  }
}
