import { DynamicModule, Module } from '@nestjs/common';

/** The root a command boots: the app modules it runs in this process. */
@Module({})
export class HostModule {
  static of(imports: DynamicModule[]): DynamicModule {
    return { module: HostModule, imports };
  }
}
